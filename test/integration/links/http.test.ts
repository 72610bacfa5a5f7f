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
