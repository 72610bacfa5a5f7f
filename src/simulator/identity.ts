/** Stable identities for simulated phones: IMEIs with a valid Luhn check digit. */

/** Luhn check digit of a string of digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // Double every second digit counting from the right of the payload (the check digit's left neighbour first).
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidImei(imei: string): boolean {
  return /^\d{15}$/.test(imei) && luhnCheckDigit(imei.slice(0, 14)) === Number(imei[14]);
}

/** The reference devices' type allocation code (8 digits). */
export const SIM_TAC = '35209900';

/** DevId of the simulated phone number `index` (0-based): the same index always gives the same IMEI. */
export function simulatedDevId(index: number, tac = SIM_TAC): string {
  if (!Number.isInteger(index) || index < 0 || index > 999_999) throw new RangeError('device index must be 0..999999');
  const body = tac + String(index + 1).padStart(6, '0');
  return `IMEI:${body}${luhnCheckDigit(body)}`;
}
