/** Bench slots: the limits both the screens and the Node side hold a slot name to. */

/** A slot name fits a card's chip and a receipt line. */
export const SLOT_NAME_MAX_LENGTH = 40;
