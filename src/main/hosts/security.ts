/**
 * Security policy shared by both hosts. The renderer loads only its own scripts and styles and
 * talks only to its own origin (the app:// protocol, or the loopback web host and its WebSocket).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
