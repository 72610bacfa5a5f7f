/** Limits every DM decoder enforces against hostile input; exceeding one is a DecodeError. */
export const DM_LIMITS = {
  /** Largest message accepted, in bytes (64 MiB). */
  maxMessageBytes: 64 * 1024 * 1024,
  /** Deepest element nesting accepted (a DM message needs about 10). */
  maxDepth: 32,
  /** Longest single text value (characters or bytes) accepted. */
  maxStringLength: 16 * 1024 * 1024,
} as const;

/**
 * The most one message from a phone may hold on the kiosk's own links (8 MiB): far above any
 * DM message a phone sends the kiosk (Results, Alerts, large-object chunks of its MaxMsgSize),
 * low enough that a phone streaming without end costs the kiosk little before it is refused.
 */
export const KIOSK_RECEIVE_CEILING_BYTES = 8 * 1024 * 1024;
