import { afterEach, describe, expect, it } from 'vitest';
import { HttpDmClientLink, HttpDmServer, type HttpServerLink } from '../../../src/transport/http';

const XML = 'application/vnd.syncml.dm+xml';
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('DM over HTTP', () => {
  let server: HttpDmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('round trip: each session is one Link, RespURI routes later POSTs to it, x-syncml-hmac passes through', async () => {
    server = new HttpDmServer();
    const url = await server.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dm$/);
    const sessions: HttpServerLink[] = [];
    server.on('session', (l) => sessions.push(l));

    const device = new HttpDmClientLink(url);
    await device.send({ body: enc('<SyncML>pkg1</SyncML>'), contentType: XML, headers: { 'x-syncml-hmac': 'algorithm=MD5, username="dev", mac=abc' } });
    await expect.poll(() => sessions.length).toBe(1);
    const kiosk = sessions[0]!;
    expect(kiosk.respUri.startsWith(`${url}/s/`)).toBe(true);
    const m1 = await kiosk.receive();
    expect(dec(m1.body)).toBe('<SyncML>pkg1</SyncML>');
    expect(m1.contentType).toBe(XML);
    expect(m1.headers).toEqual({ 'x-syncml-hmac': 'algorithm=MD5, username="dev", mac=abc' });
    await kiosk.send({ body: enc('<SyncML>pkg2</SyncML>'), contentType: XML, headers: { 'x-syncml-hmac': 'algorithm=MD5, username="srv", mac=def' } });
    const r1 = await device.receive();
    expect(dec(r1.body)).toBe('<SyncML>pkg2</SyncML>');
    expect(r1.headers).toEqual({ 'x-syncml-hmac': 'algorithm=MD5, username="srv", mac=def' });

    // Following messages go to the RespURI and reach the same Link, with the older content type too.
    device.setTarget(kiosk.respUri);
    const big = new Uint8Array(3_000_000).map((_, i) => (i * 31) & 0xff);
    await device.send({ body: big, contentType: 'application/vnd.syncml+wbxml' });
    const m2 = await kiosk.receive();
    expect(m2.contentType).toBe('application/vnd.syncml+wbxml');
    expect(Buffer.from(m2.body).equals(Buffer.from(big))).toBe(true);
    await kiosk.send({ body: enc('bye'), contentType: XML });
    expect(dec((await device.receive()).body)).toBe('bye');
    expect(sessions).toHaveLength(1);

    // A second device at the base URL is a new session.
    const other = new HttpDmClientLink(url);
    await other.send({ body: enc('hello'), contentType: XML });
    await expect.poll(() => sessions.length).toBe(2);
    expect(sessions[1]!.token).not.toBe(kiosk.token);
  });

  it('refuses unknown content types, unknown sessions, and answers 410 when the session closes', async () => {
    server = new HttpDmServer();
    const url = await server.start();
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(bad.status).toBe(415);
    const unknown = await fetch(`${url}/s/deadbeef`, { method: 'POST', headers: { 'content-type': XML }, body: 'x' });
    expect(unknown.status).toBe(404);
    let link: HttpServerLink | undefined;
    server.on('session', (l) => (link = l));
    const device = new HttpDmClientLink(url);
    await device.send({ body: enc('pkg1'), contentType: XML });
    await expect.poll(() => link !== undefined).toBe(true);
    await link!.receive();
    await link!.close();
    await expect(device.receive()).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    await expect(link!.receive()).rejects.toMatchObject({ code: 'LINK_CLOSED' });
  });

  it('a device that is gone is CABLE_UNPLUGGED for its client link', async () => {
    server = new HttpDmServer();
    const url = await server.start();
    await server.close();
    server = undefined;
    const device = new HttpDmClientLink(url);
    await device.send({ body: enc('pkg1'), contentType: XML });
    await expect(device.receive()).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
  });
});

// ---------------------------------------------------------------- failures answered at once

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { encodeMessage } from '../../../src/core/dm/codec';
import type { SyncMLMessage } from '../../../src/core/dm/model';
import { acceptHttpSession } from '../../../src/transport/http';

const DEV = 'IMEI:493005100592800';
/** Package 1 (DM protocol 2.3): Alert 1201 and the DevInfo leaves, Final. */
function pkg1(msgID = '1', sessionID = '5'): Uint8Array {
  const m: SyncMLMessage = {
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID, msgID, target: { locURI: 'fumo-kiosk' }, source: { locURI: DEV } },
    body: [
      { kind: 'Alert', cmdID: '1', data: '1201', items: [] },
      { kind: 'Replace', cmdID: '2', items: [{ source: { locURI: './DevInfo/DevId' }, data: DEV }] },
    ],
    final: true,
  };
  return encodeMessage(m, 'xml');
}

/** Fails the test when the server takes longer than this to answer (it must answer at once). */
const AT_ONCE = 20_000;
const post = (url: string, body: Uint8Array | string, contentType = XML) =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>), signal: AbortSignal.timeout(AT_ONCE) });

/** One raw HTTP exchange over a socket, for request lines fetch() would never send. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('end', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('DM over HTTP: broken and unexpected requests', () => {
  let server: HttpDmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a malformed request line is answered 400 and the server stays up', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      server = new HttpDmServer();
      const url = await server.start();
      const port = Number(new URL(url).port);
      for (const line of ['POST http://[ HTTP/1.1', 'POST /dm/%zz HTTP/1.1', 'GARBAGE']) {
        const answer = await rawExchange(port, `${line}\r\nhost: x\r\ncontent-type: ${XML}\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx`);
        expect(answer.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 4\d\d /);
      }
      expect((await post(`${url}/s/none`, 'x')).status).toBe(404);
      // Give a pending rejection its turn on the event loop before checking.
      await new Promise<void>((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('empty, garbage and truncated package 1 are answered at once with 4xx and no session stays', async () => {
    server = new HttpDmServer({ replyTimeoutMs: 600_000 });
    const url = await server.start();
    const failures: unknown[] = [];
    server.on('session', (link) => void acceptHttpSession(link, { serverId: 'fumo-kiosk' }).catch((e: unknown) => failures.push(e)));
    const whole = pkg1();
    for (const body of [new Uint8Array(0), new TextEncoder().encode('<html>hello</html>'), whole.subarray(0, whole.length - 40), new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d])]) {
      const res = await post(url, body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      await res.arrayBuffer();
    }
    expect(server.sessionCount).toBe(0);
    expect(failures.map((e) => (e as { code?: string }).code)).toEqual(['DECODE_ERROR', 'DECODE_ERROR', 'DECODE_ERROR']);
  });

  it('a finished session is unregistered: its RespURI answers 404 at once', async () => {
    server = new HttpDmServer({ replyTimeoutMs: 600_000 });
    const url = await server.start();
    const done: Promise<void>[] = [];
    server.on('session', (link) => {
      done.push(acceptHttpSession(link, { serverId: 'fumo-kiosk' }).then((s) => s.end()));
    });
    const res = await post(url, pkg1());
    expect(res.status).toBe(200);
    const text = await res.text();
    const respUri = /<RespURI>([^<]+)<\/RespURI>/.exec(text)?.[1];
    expect(respUri).toBeDefined();
    expect(text).toContain('<Final/>');
    await Promise.all(done);
    expect(server.sessionCount).toBe(0);
    const after = await post(respUri!, pkg1('2'));
    expect(after.status).toBe(404);
  });

  it('a retried POST (same MsgID) and a POST of another SessionID end the session at once with 400', async () => {
    for (const second of [pkg1('1'), pkg1('2', '99')]) {
      server = new HttpDmServer({ replyTimeoutMs: 600_000 });
      const url = await server.start();
      const failures: unknown[] = [];
      server.on('session', (link) => {
        void acceptHttpSession(link, { serverId: 'fumo-kiosk' })
          .then((s) => s.get(['./DevDetail/FwV']))
          .catch((e: unknown) => failures.push(e));
      });
      const res = await post(url, pkg1());
      const respUri = /<RespURI>([^<]+)<\/RespURI>/.exec(await res.text())![1]!;
      const retry = await post(respUri, second);
      expect(retry.status).toBe(400);
      await expect.poll(() => failures.length).toBe(1);
      expect(failures[0]).toMatchObject({ code: 'PROTOCOL_ERROR' });
      expect(server.sessionCount).toBe(0);
      await server.close();
      server = undefined;
    }
  });

  it('two POSTs of one session read at the same time: only one reaches the session, the other gets 409', async () => {
    server = new HttpDmServer({ replyTimeoutMs: 600_000 });
    const url = await server.start();
    let link: HttpServerLink | undefined;
    server.on('session', (l) => (link = l));
    const first = new HttpDmClientLink(url);
    await first.send({ body: enc('pkg1'), contentType: XML });
    await expect.poll(() => link !== undefined).toBe(true);
    await link!.receive();
    await link!.send({ body: enc('reply'), contentType: XML });
    await first.receive();
    // POST A starts and sends half its body; POST B is sent whole and reaches the session; then A ends.
    const target = new URL(link!.respUri);
    const statusOf = (req: ReturnType<typeof httpRequest>) =>
      new Promise<number>((resolve, reject) => {
        req.on('response', (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
      });
    const a = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': XML, 'content-length': 8 } });
    const aStatus = statusOf(a);
    a.write('AAAA');
    await new Promise<void>((r) => setImmediate(r));
    const b = post(link!.respUri, 'BBBBBBBB');
    const m = await link!.receive();
    expect(dec(m.body)).toBe('BBBBBBBB');
    a.end('AAAA');
    expect(await aStatus).toBe(409);
    await link!.send({ body: enc('for B'), contentType: XML });
    expect(await (await b).text()).toBe('for B');
  });

  it('an aborted receive on the kiosk side is LINK_TIMEOUT, not CANCELLED', async () => {
    server = new HttpDmServer();
    const url = await server.start();
    let link: HttpServerLink | undefined;
    server.on('session', (l) => (link = l));
    await new HttpDmClientLink(url).send({ body: enc('pkg1'), contentType: XML });
    await expect.poll(() => link !== undefined).toBe(true);
    await link!.receive();
    const abort = new AbortController();
    const waiting = link!.receive({ signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
  });

  it('bodies are bounded while they arrive: 413 without a Content-Length too, and the session is closed', async () => {
    server = new HttpDmServer({ maxBodyBytes: 1000, replyTimeoutMs: 600_000 });
    const url = await server.start();
    const big = new Uint8Array(50_000).fill(0x41);
    // Chunked transfer (no Content-Length): the bound holds while the bytes come in.
    const target = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': XML, 'transfer-encoding': 'chunked' } });
      req.on('response', (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(big.subarray(i * 5000, (i + 1) * 5000));
      req.end();
    });
    expect(status).toBe(413);
    expect(server.sessionCount).toBe(0);
    expect((await post(url, big)).status).toBe(413);
  });

  it('HTTPS: serves TLS 1.2 or later with the key and certificate it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fk-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      server = new HttpDmServer({ tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
      const url = await server.start();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dm$/);
      server.on('session', (l) => void l.receive().then(() => l.send({ body: enc('over tls'), contentType: XML })));
      const target = new URL(url);
      const exchange = (tls: { minVersion?: 'TLSv1.2' }) =>
        new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
          const req = httpsRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', ca: cert, headers: { 'content-type': XML }, ...tls });
          req.on('response', (r) => {
            let body = '';
            const protocol = (r.socket as TLSSocket).getProtocol() ?? '';
            r.on('data', (d: Buffer) => (body += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body, protocol }));
          });
          req.on('error', reject);
          req.end('pkg1');
        });
      const ok = await exchange({});
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('over tls');
      expect(['TLSv1.2', 'TLSv1.3']).toContain(ok.protocol);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
