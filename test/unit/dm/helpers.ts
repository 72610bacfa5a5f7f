import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncMLMessage } from '../../../src/core/dm/model';

export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/dm');

export interface CorpusFile {
  name: string;
  path: string;
  bytes: Uint8Array;
}

export function loadCorpus(): CorpusFile[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((name) => {
      const path = join(corpusDir, name);
      return { name, path, bytes: new Uint8Array(readFileSync(path)) };
    });
}

export const DEV = 'IMEI:493005100592800';
export const SRV = 'https://kiosk.local/dm';

/** A SyncHdr-only message to build small test messages on. */
export function message(body: SyncMLMessage['body'], final = true): SyncMLMessage {
  return {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: '1',
      msgID: '2',
      target: { locURI: DEV },
      source: { locURI: SRV },
    },
    body,
    final,
  };
}

/** Wrap a SyncBody fragment into a complete XML message with the header of message(). */
export function xmlMessage(body: string, final = true): string {
  return (
    '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' +
    `<SessionID>1</SessionID><MsgID>2</MsgID><Target><LocURI>${DEV}</LocURI></Target>` +
    `<Source><LocURI>${SRV}</LocURI></Source></SyncHdr><SyncBody>${body}${final ? '<Final/>' : ''}</SyncBody></SyncML>`
  );
}

/** Deterministic bytes (xorshift32) for test data. */
export function testBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
