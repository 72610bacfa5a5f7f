/** Limits every DM decoder enforces against hostile input; exceeding one is a DecodeError. */
export const DM_LIMITS = {
  /** Largest message accepted, in bytes (64 MiB). */
  maxMessageBytes: 64 * 1024 * 1024,
  /** Deepest element nesting accepted (a DM message needs about 10). */
  maxDepth: 32,
  /** Longest single text value (characters or bytes) accepted. */
  maxStringLength: 16 * 1024 * 1024,
} as const;
