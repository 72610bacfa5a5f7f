import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/core/errors';
import { decodeWspPush, encodeWspPush, isDmNotificationPush } from '../../../src/core/dm/wsp-push';

describe('WSP connectionless Push PDU carrying a DM notification', () => {
  it('lays out TID, Push (0x06), HeadersLen, content type 0x44, X-Wap-Application-Id 0x07, then package 0', () => {
    const pkg0 = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    expect([...encodeWspPush(pkg0, 0x2a)]).toEqual([0x2a, 0x06, 0x03, 0xc4, 0xaf, 0x87, 0xde, 0xad, 0xbe, 0xef]);
  });

  it('reads back what it writes, and a push with a textual content type', () => {
    const pkg0 = new Uint8Array(300).map((_, i) => i & 0xff);
    const p = decodeWspPush(encodeWspPush(pkg0, 7));
    expect(p).toEqual({ tid: 7, contentType: 0x44, applicationId: 0x07, body: pkg0 });
    expect(isDmNotificationPush(p)).toBe(true);
    const text = new TextEncoder().encode('application/vnd.syncml.notification\0');
    const textual = Uint8Array.from([1, 0x06, text.length, ...text, 9, 9]);
    const q = decodeWspPush(textual);
    expect(q.contentType).toBe('application/vnd.syncml.notification');
    expect([...q.body]).toEqual([9, 9]);
    expect(isDmNotificationPush(q)).toBe(true);
  });

  it('another content type or another application id is not a DM notification', () => {
    expect(isDmNotificationPush(decodeWspPush(Uint8Array.from([0, 0x06, 0x01, 0xae, 1])))).toBe(false);
    expect(isDmNotificationPush(decodeWspPush(Uint8Array.from([0, 0x06, 0x03, 0xc4, 0xaf, 0x84, 1])))).toBe(false);
  });

  it('anything that is not a Push PDU is a DECODE_ERROR', () => {
    for (const bad of [[], [0, 0x06], [0, 0x07, 1, 0xc4], [0, 0x06, 0x05, 0xc4], [0, 0x06, 0x00, 0xc4], [0, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      let caught: unknown;
      try {
        decodeWspPush(Uint8Array.from(bad));
      } catch (e) {
        caught = e;
      }
      expect(isKioskError(caught) && caught.code === 'DECODE_ERROR', JSON.stringify(bad)).toBe(true);
    }
  });
});
