/**
 * Interop with openobex (libopenobex2): a small C peer built from test/interop/openobex/obex-harness.c
 * speaks OBEX over its stdin/stdout (openobex's fd transport) with our ObexDmLink, in both roles.
 *
 * Our side always offers single response mode (SRM header 0x97 = 1). openobex 1.7 leaves SRM
 * negotiation to the application and, in normal mode, ignores the header: these runs check that
 * we fall back to one response per packet. SRM itself is covered by our own peers: in single
 * response mode openobex 1.7.2 does not interoperate with a peer that follows GOEP 2.0 (as a
 * server switched to SRM on the first packet it leaves that packet unanswered; as a client it
 * waits for an answer to its second packet), which was tried with this harness.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObexDmLink } from '../../src/core/obex/dm-channel';
import { nodeByteStream } from '../../src/transport/node-byte-stream';
import { toolMissing } from '../support/tools';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'openobex', 'obex-harness.c');
const buildDir = join(here, 'openobex', 'build');
const binary = join(buildDir, 'obex-harness');

function buildHarness(): string | undefined {
  if (!existsSync('/usr/include/openobex/obex.h')) return 'openobex headers missing';
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'openobex'], { encoding: 'utf8' });
  if (flags.status !== 0) return 'pkg-config openobex failed: ' + flags.stderr;
  mkdirSync(buildDir, { recursive: true });
  const cc = spawnSync('cc', ['-O1', '-Wall', '-o', binary, source, ...flags.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
  if (cc.status !== 0) return 'cc failed: ' + cc.stderr;
  return undefined;
}

const skipReason = buildHarness();
if (skipReason) toolMissing('test/interop/openobex.test.ts', skipReason, 'libopenobex2-dev');

interface Harness {
  child: ChildProcessWithoutNullStreams;
  log: () => Record<string, string>;
  exited: Promise<number | null>;
}

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startHarness(args: string[]): Harness {
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const log = () => {
    const out: Record<string, string> = {};
    for (const line of stderr.split('\n')) {
      for (const kv of line.split(' ')) {
        const i = kv.indexOf('=');
        if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
      }
    }
    out['_raw'] = stderr;
    return out;
  };
  return { child, log, exited };
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const WBXML = 'application/vnd.syncml.dm+wbxml';

describe.skipIf(skipReason !== undefined)('openobex interop', () => {
  let tmp = '';
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'obex-interop-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [mtu, srm] of [
    [1024, 0],
    [65535, 0],
  ] as const) {
    it(`kiosk as OBEX client, openobex as server (mtu ${mtu}, srm ${srm})`, async () => {
      const h = startHarness(['server', String(mtu), String(srm)]);
      const stream = nodeByteStream(h.child.stdout, h.child.stdin, { onClose: () => void h.child.stdin.end() });
      const link = createObexDmLink(stream, { role: 'client', kind: 'serial', responseTimeoutMs: 30_000 });
      const body = pattern(100_000 + mtu, mtu);
      await link.send({ body, contentType: WBXML });
      expect(link.info.sendPacketLength).toBe(Math.min(mtu, 65535));
      const reply = await link.receive();
      const expected = body.map((b) => b ^ 0x5a);
      expect(Buffer.from(reply.body).equals(Buffer.from(expected))).toBe(true);
      expect(reply.contentType).toBe(WBXML);
      await link.close();
      expect(await h.exited).toBe(0);
      const log = h.log();
      expect(log['connect_target_ok']).toBe('1');
      expect(log['put_type']).toBe(WBXML);
      expect(log['put_length']).toBe(String(body.length));
      expect(log['put_body_bytes']).toBe(String(body.length));
      expect(log['put_connection_id']).toBe(String(0x1234));
      expect(log['get_type']).toBe(WBXML);
      expect(log['disconnect']).toBe('1');
      console.info(`openobex server mtu ${mtu} srm ${srm}: our PUT in SRM=${link.info.lastPutSrm}, GET in SRM=${link.info.lastGetSrm}`);
    });
  }

  for (const [mtu, srm] of [
    [1024, 0],
    [65535, 0],
  ] as const) {
    it(`kiosk as OBEX server, openobex as client (mtu ${mtu}, srm ${srm})`, async () => {
      const putFile = join(tmp, `put-${mtu}-${srm}.bin`);
      const getFile = join(tmp, `get-${mtu}-${srm}.bin`);
      const body = pattern(70_001, 7 + mtu);
      writeFileSync(putFile, body);
      const h = startHarness(['client', String(mtu), String(srm), putFile, WBXML, getFile]);
      const stream = nodeByteStream(h.child.stdout, h.child.stdin, { onClose: () => void h.child.stdin.end() });
      const link = createObexDmLink(stream, { role: 'server', kind: 'serial', responseTimeoutMs: 30_000 });
      const msg = await link.receive({ timeoutMs: 60_000 });
      expect(Buffer.from(msg.body).equals(Buffer.from(body))).toBe(true);
      expect(msg.contentType).toBe(WBXML);
      const reply = pattern(90_000, 99);
      await link.send({ body: reply, contentType: WBXML });
      expect(await h.exited).toBe(0);
      const log = h.log();
      expect(log['who_ok']).toBe('1');
      expect(log['connection_id']).toBe('1');
      expect(log['get_rsp_type']).toBe(WBXML);
      expect(Buffer.from(readFileSync(getFile)).equals(Buffer.from(reply))).toBe(true);
      expect(link.info.sendPacketLength).toBe(mtu);
      console.info(`openobex client mtu ${mtu} srm ${srm}: PUT in SRM=${link.info.lastPutSrm}, GET in SRM=${link.info.lastGetSrm}`);
      await link.close();
    });
  }
});
