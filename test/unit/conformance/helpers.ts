import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessage, encodeMessage } from '../../../src/core/dm/codec';
import type { Command, Encoding, Status, SyncMLMessage } from '../../../src/core/dm/model';
import { contentTypeOf } from '../../../src/core/dm/model';
import type { DmPayload, Link } from '../../../src/core/link';

export const specDir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/spec');

export function specFiles(): string[] {
  return readdirSync(specDir).filter((f) => f.endsWith('.xml')).sort();
}

export function specBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(specDir, name)));
}

export const SPEC_SERVER = 'http://www.syncml.org/mgmt-server';
export const SPEC_DEVICE = 'IMEI:493005100592800';

export function decodeAll(sent: DmPayload[]): SyncMLMessage[] {
  return sent.map((p) => decodeMessage(p.body, p.contentType).message);
}

/** A peer that speaks raw messages: the test plays one side of the session by hand. */
export class RawPeer {
  readonly received: SyncMLMessage[] = [];
  readonly payloads: DmPayload[] = [];
  constructor(
    readonly link: Link,
    readonly encoding: Encoding = 'xml',
  ) {}

  async sendBytes(body: Uint8Array, contentType = contentTypeOf('xml'), headers?: Record<string, string>): Promise<void> {
    await this.link.send({ body, contentType, ...(headers ? { headers } : {}) });
  }

  async send(msg: SyncMLMessage): Promise<Uint8Array> {
    const body = encodeMessage(msg, this.encoding);
    await this.link.send({ body, contentType: contentTypeOf(this.encoding) });
    return body;
  }

  async receive(): Promise<SyncMLMessage> {
    const p = await this.link.receive();
    this.payloads.push(p);
    const m = decodeMessage(p.body, p.contentType).message;
    this.received.push(m);
    return m;
  }
}

/** A message header from `from` to `to`. */
export function hdr(msgID: string, from: string, to: string, sessionID = '1'): SyncMLMessage['header'] {
  return { verDTD: '1.2', verProto: 'DM/1.2', sessionID, msgID, target: { locURI: to }, source: { locURI: from } };
}

/** The Status for the peer's SyncHdr, built by hand. */
export function hdrStatus(cmdID: string, peer: SyncMLMessage, code: string): Status {
  return {
    kind: 'Status',
    cmdID,
    msgRef: peer.header.msgID,
    cmdRef: '0',
    cmd: 'SyncHdr',
    targetRefs: [peer.header.target.locURI],
    sourceRefs: [peer.header.source.locURI],
    data: code,
    items: [],
  };
}

/** Every command of a message, nested ones (Atomic/Sequence) included, in document order. */
export function flatten(cmds: Command[]): Command[] {
  const out: Command[] = [];
  for (const c of cmds) {
    out.push(c);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') out.push(...flatten(c.commands));
  }
  return out;
}

export const statuses = (m: SyncMLMessage): Status[] => m.body.filter((c): c is Status => c.kind === 'Status');
export const commandsOf = (m: SyncMLMessage): Command[] => m.body.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
