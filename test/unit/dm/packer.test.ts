import { describe, expect, it } from 'vitest';
import { encodedSize } from '../../../src/core/dm/codec';
import type { Command, Status } from '../../../src/core/dm/model';
import { CommandTooLargeError, packMessage } from '../../../src/core/dm/packer';

const header = { verDTD: '1.2' as const, verProto: 'DM/1.2', sessionID: '1', msgID: '4', target: { locURI: 'IMEI:1' }, source: { locURI: 'kiosk' } };
const status = (ref: string): Status => ({ kind: 'Status', cmdID: '', msgRef: '3', cmdRef: ref, cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] });
const replace = (i: number): Command => ({ kind: 'Replace', cmdID: '', items: [{ target: { locURI: `./node/${i}` }, data: 'x'.repeat(200) }] });

describe('packMessage', () => {
  it('everything in one final message when it fits; CmdIDs from 1 in order', () => {
    const p = packMessage({ header, owed: [status('1'), status('2')], queue: [replace(1)], encoding: 'wbxml', mayBeFinal: true, sizer: encodedSize, maxMsgSize: 10_000 });
    expect(p.message.final).toBe(true);
    expect(p.message.body.map((c) => c.cmdID)).toEqual(['1', '2', '3']);
    expect(p.placed).toEqual([{ command: expect.objectContaining({ kind: 'Replace' }), cmdID: '3' }]);
  });
  it('splits a package over messages within MaxMsgSize, Final only on the last', () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      let queue = Array.from({ length: 40 }, (_, i) => replace(i));
      let owed: Command[] = [status('1'), status('2')];
      const finals: boolean[] = [];
      let placed = 0;
      while (queue.length > 0) {
        const p = packMessage({ header, owed, queue, encoding, mayBeFinal: true, sizer: encodedSize, maxMsgSize: 1500 });
        expect(encodedSize(p.message, encoding)).toBeLessThanOrEqual(1500);
        owed = owed.slice(p.owedTaken);
        queue = queue.slice(p.queueTaken);
        placed += p.queueTaken;
        finals.push(p.message.final);
      }
      expect(placed).toBe(40);
      expect(finals.length).toBeGreaterThan(3);
      expect(finals.slice(0, -1).every((f) => !f)).toBe(true);
      expect(finals.at(-1)).toBe(true);
    }
  });
  it('a command that cannot fit even alone is an error', () => {
    expect(() => packMessage({ header, owed: [], queue: [replace(1)], encoding: 'xml', mayBeFinal: true, sizer: encodedSize, maxMsgSize: 300 })).toThrow(CommandTooLargeError);
  });
  it('a command too large for any message is an error even when statuses are owed (never a Final with only them)', () => {
    expect(() => packMessage({ header, owed: [status('0')], queue: [replace(1)], encoding: 'xml', mayBeFinal: true, sizer: encodedSize, maxMsgSize: 400, rest: 'next-package' })).toThrow(CommandTooLargeError);
  });
  it('statuses that fill the message leave the package open: no Final until a queued command goes', () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const owed = Array.from({ length: 150 }, (_, i) => status(String(i + 1)));
      const get: Command = { kind: 'Get', cmdID: '', items: [{ target: { locURI: './DevDetail/FwV' } }] };
      // Room for every owed status and not one byte more: the Get must wait for the next message.
      const max = encodedSize({ header, body: owed.map((c, i) => ({ ...c, cmdID: String(i + 1) })), final: true }, encoding) + 2;
      const first = packMessage({ header, owed, queue: [get], encoding, mayBeFinal: true, sizer: encodedSize, maxMsgSize: max, rest: 'next-package' });
      expect(first.owedTaken).toBe(150);
      expect(first.queueTaken).toBe(0);
      expect(first.message.final).toBe(false);
      const second = packMessage({ header, owed: [], queue: [get], encoding, mayBeFinal: true, sizer: encodedSize, maxMsgSize: max, rest: 'next-package' });
      expect(second.queueTaken).toBe(1);
      expect(second.message.final).toBe(true);
    }
  });
});
