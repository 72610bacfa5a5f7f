/** How long a PIN is, per role (an administrator's guards more): the kiosk checks it, the screens say it. */
export const PIN_MIN_LENGTH = { technician: 4, admin: 6 } as const;
export const PIN_MAX_LENGTH = 12;
