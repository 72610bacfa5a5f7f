/**
 * The DM endpoint of `fumo-kiosk web --demo --dm-listen 127.0.0.1:0 --dm-cert FILE --dm-key FILE`
 * over TLS, with a certificate authority and server certificate made for the test by `openssl`.
 * The spec-written client, trusting only that CA (TLS 1.2 or later), runs one session: challenged
 * (401 with an MD5 Chal), it answers with its digest, is authenticated (212), sees the kiosk's
 * own MD5 credentials in its first message, and answers the kiosk until its package holds no commands. A client that
 * does not trust the certificate gets no DM answer at all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../support/test-ca';
import { haveTools } from '../support/tools';
import { DmClient, alert, commandsOf, headerStatus, isFinal, textOf } from './dm-client';
import { startProduct, type Product } from './product';
import { SpecPhone } from './spec-phone';

const here = 'test/conformance/product-tls.test.ts';
// `web --demo` plugs in its own simulated phones over pty pairs (socat); the certificate is made by openssl.
const canRun = haveTools(here, ['socat'], 'socat', ['-V']) && haveTools(here, ['openssl'], 'openssl', ['version']);

let product: Product;
let ca: TestCa;
const caDir = mkdtempSync(path.join(tmpdir(), 'fumo-tls-ca-'));

beforeAll(async () => {
  if (!canRun) return;
  ca = makeTestCa(caDir);
  product = await startProduct({ args: ['--dm-listen', '127.0.0.1:0', '--dm-cert', ca.cert, '--dm-key', ca.key] });
});

afterAll(async () => {
  if (canRun) {
    expect(product.alive()).toBe(true);
    expect(await product.close()).toBe(0);
  }
  rmSync(caDir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('the DM endpoint over HTTPS', () => {
  it('prints an https URL on loopback', () => {
    const u = new URL(product.dmUrl);
    expect(u.protocol).toBe('https:');
    expect(u.hostname).toBe('127.0.0.1');
  });

  it('one authenticated session over TLS: 401 with an MD5 challenge, then 212; the kiosk presents its MD5 credentials; the session ends', async () => {
    const phone = new SpecPhone({ url: product.dmUrl, devId: 'IMEI:356938035659901', ca: readFileSync(ca.caCert) });
    const c = phone.client('1');
    const first = await c.send([alert('1201'), phone.devInfo()]);
    expect(first.status).toBe(200);
    const challenge = headerStatus(first.msg!)!;
    expect(challenge.data).toBe('401');
    expect(challenge.chalType).toBe('syncml:auth-md5');
    expect(textOf(first.msg!, 'SyncHdr/Cred/Meta/Type')).toBe('syncml:auth-md5');
    expect(textOf(first.msg!, 'SyncHdr/Cred/Data')?.length).toBeGreaterThan(0);
    // Its RespURI keeps the session on TLS.
    expect(textOf(first.msg!, 'SyncHdr/RespURI')).toMatch(new RegExp(`^${product.dmUrl}/s/`));

    const opened = await phone.open(c);
    expect(opened.status).toBe(200);
    expect(headerStatus(opened.msg!)?.data).toBe('212');
    const last = await phone.converse(c, opened);
    expect(last.status).toBe(200);
    expect(commandsOf(last.msg!)).toHaveLength(0);
    expect(isFinal(last.msg!)).toBe(true);
    // The kiosk read the phone's firmware version over that session.
    expect(phone.received.flatMap((m) => commandsOf(m)).filter((x) => x.name === 'Get').map((x) => textOf(x, 'Item/Target/LocURI'))).toContain('./DevDetail/FwV');
  });

  it('a client that does not trust the certificate gets no DM answer, and the kiosk stays up', async () => {
    const stranger = new DmClient({ url: product.dmUrl, devId: 'IMEI:356938035659902', serverId: 'fumo-kiosk', ca: makeUntrustedCa() });
    await expect(stranger.send([alert('1201')])).rejects.toThrow(/certificate/i);
    expect(product.alive()).toBe(true);
  });
});

/** Another CA, made the same way, which did not sign the kiosk's certificate. */
function makeUntrustedCa(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'fumo-tls-other-'));
  try {
    return readFileSync(makeTestCa(dir).caCert);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
