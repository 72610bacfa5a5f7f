import { describe, expect, it } from 'vitest';
import { acceptSession } from '../../../src/core/session/server';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { decodeMessage } from '../../../src/core/dm/codec';
import { DEV_INFO, TreeHandler } from './fixtures';

describe('session basics', () => {
  for (const encoding of ['xml', 'wbxml'] as const) {
    it(`package 1, a Get, a Replace, end (${encoding})`, async () => {
      const [srvLink, cliLink] = createMemoryLinkPair();
      srvLink.recordSent = true;
      cliLink.recordSent = true;
      const handler = new TreeHandler();
      const client = runClientSession(cliLink, { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding }, handler);
      const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
      expect(s.hello).toMatchObject({ devId: DEV_INFO.DevId, initiator: 'client', devInfo: DEV_INFO, encoding });
      const [fw, missing] = await s.get(['./DevDetail/FwV', './Nope']);
      expect(fw).toEqual({ status: 200, values: [{ uri: './DevDetail/FwV', format: 'chr', data: '1.0.0' }] });
      expect(missing!.status).toBe(404);
      expect(await s.replace('./X', 'hello')).toBe(200);
      expect(handler.nodes.get('./X')).toBe('hello');
      await s.end();
      const outcome = await client;
      expect(outcome.messagesSent).toBe(3);
      expect(outcome.messagesReceived).toBe(3);
      const serverMsgs = srvLink.stats.sent.map((p) => decodeMessage(p.body, p.contentType).message);
      expect(serverMsgs.map((m) => m.header.msgID)).toEqual(['1', '2', '3']);
      // Package 2: Status for SyncHdr, Alert 1201 and Replace of DevInfo, then the two Gets.
      expect(serverMsgs[0]!.body.map((c) => [c.kind, c.cmdID])).toEqual([
        ['Status', '1'],
        ['Status', '2'],
        ['Status', '3'],
        ['Get', '4'],
        ['Get', '5'],
      ]);
      expect(serverMsgs[2]!.final).toBe(true);
      expect(serverMsgs[2]!.body.every((c) => c.kind === 'Status')).toBe(true);
    });
  }
});
