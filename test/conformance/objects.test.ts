/**
 * Large objects both ways, MaxMsgSize and MaxObjSize (DM protocol 2.2 "Large Object Handling",
 * 2.1 "Multiple Messages in Package"; DM representation MaxMsgSize/MaxObjSize in SyncHdr Meta).
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DmClient, alert, child, commandsOf, devInfo, el, isFinal, item, resultsFor, statusFor, statusesOf, targetOf, textOf, type El, type Enc } from './dm-client';
import { SERVER_ID, account, phoneAccount, startKiosk, type Kiosk } from './harness';

const DEV = 'IMEI:356938035643810';
let kiosk: Kiosk | undefined;
afterEach(async () => {
  await kiosk?.close();
  kiosk = undefined;
});

const pkg1 = [alert('1201'), devInfo(DEV)];
const byteAt = (i: number) => (i * 7 + (i >> 9)) & 0xff;
const source = (size: number) => ({ size, read: (o: number, n: number) => Promise.resolve(Uint8Array.from({ length: n }, (_, i) => byteAt(o + i))) });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function dataBytes(cmd: El, enc: Enc): Uint8Array {
  const d = child(cmd, 'Item/Data')!;
  if (d.bytes) return d.bytes;
  return enc === 'xml' ? Buffer.from(d.text ?? '', 'base64') : Buffer.from(d.text ?? '');
}

async function opened(enc: Enc, meta: { maxMsgSize?: number; maxObjSize?: number }, kioskOptions: { maxObjSize?: number } = {}) {
  const a = account(DEV, 'md5');
  kiosk = await startKiosk([a], kioskOptions);
  const c = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: phoneAccount(a), encoding: enc, ...meta });
  return { c, k: kiosk };
}

describe('large objects from the kiosk (2.2)', () => {
  for (const enc of ['wbxml', 'xml'] as const) {
    it(`${enc}: chunks within MaxMsgSize, MoreData on all but the last, Size only in the first, Final only at the end`, async () => {
      const size = 20_000;
      const { c, k } = await opened(enc, { maxMsgSize: 2000 });
      k.script(async (s) => {
        expect(await s.replaceLarge('./FUMO/x/Update/PkgData', source(size), { type: 'application/octet-stream' })).toBe(200);
        await s.end();
      });
      let r = await c.send(pkg1);
      const parts: Uint8Array[] = [];
      let chunks = 0;
      for (;;) {
        expect(r.status).toBe(200);
        expect(r.bytes.length).toBeLessThanOrEqual(2000);
        const replace = commandsOf(r.msg!).find((x) => x.name === 'Replace');
        if (!replace) break;
        chunks++;
        expect(targetOf(replace)).toBe('./FUMO/x/Update/PkgData');
        const more = child(replace, 'Item/MoreData') !== undefined;
        const sizeMeta = textOf(replace, 'Item/Meta/Size') ?? textOf(replace, 'Meta/Size');
        if (chunks === 1) expect(sizeMeta).toBe(String(size));
        else expect(sizeMeta).toBeUndefined();
        expect(isFinal(r.msg!)).toBe(!more);
        expect(textOf(replace, 'Meta/Format')).toBe(enc === 'xml' ? 'b64' : 'bin');
        parts.push(dataBytes(replace, enc));
        const answer = [statusFor(r.msg!, 'SyncHdr', '200'), statusFor(r.msg!, replace, more ? '213' : '200')];
        r = await c.send(more ? [...answer, alert('1222')] : answer, { final: !more ? true : false });
      }
      expect(chunks).toBeGreaterThan(10);
      const whole = Buffer.concat(parts);
      expect(whole.length).toBe(size);
      expect(sha(whole)).toBe(sha(Uint8Array.from({ length: size }, (_, i) => byteAt(i))));
      expect(isFinal(r.msg!)).toBe(true);
      expect((await k.outcome(0)).error).toBeUndefined();
    });
  }

  it('MaxObjSize: an object above it is never sent (413), whether large or plain', async () => {
    const { c, k } = await opened('wbxml', { maxMsgSize: 4000, maxObjSize: 1000 });
    k.script(async (s) => {
      expect(await s.replaceLarge('./FUMO/x/Update/PkgData', source(5000))).toBe(413);
      expect(await s.replace('./Vendor/Blob', new Uint8Array(2000))).toBe(413);
      expect(await s.replace('./Vendor/Small', 'ok')).toBe(200);
      await s.end();
    });
    const r1 = await c.send(pkg1);
    const cmds = commandsOf(r1.msg!);
    expect(cmds.map((x) => [x.name, targetOf(x)])).toEqual([['Replace', './Vendor/Small']]);
    const r2 = await c.send([statusFor(r1.msg!, 'SyncHdr', '200'), statusFor(r1.msg!, cmds[0]!, '200')]);
    expect(isFinal(r2.msg!)).toBe(true);
    expect(commandsOf(r2.msg!)).toEqual([]);
    expect((await k.outcome(0)).error).toBeUndefined();
  });

  it('MaxMsgSize: a plain replace() too big for one message goes as a large object', async () => {
    const { c, k } = await opened('wbxml', { maxMsgSize: 1500 });
    const value = Uint8Array.from({ length: 4000 }, (_, i) => byteAt(i));
    k.script(async (s) => {
      expect(await s.replace('./Vendor/Blob', value)).toBe(200);
      await s.end();
    });
    let r = await c.send(pkg1);
    const parts: Uint8Array[] = [];
    for (;;) {
      expect(r.bytes.length).toBeLessThanOrEqual(1500);
      const replace = commandsOf(r.msg!).find((x) => x.name === 'Replace');
      if (!replace) break;
      const more = child(replace, 'Item/MoreData') !== undefined;
      parts.push(dataBytes(replace, 'wbxml'));
      r = await c.send([statusFor(r.msg!, 'SyncHdr', '200'), statusFor(r.msg!, replace, more ? '213' : '200'), ...(more ? [alert('1222')] : [])], { final: !more });
    }
    expect(parts.length).toBeGreaterThan(2);
    expect(sha(Buffer.concat(parts))).toBe(sha(value));
  });
});

describe('large objects from the phone (2.2)', () => {
  async function chunkedResults(sizeDeclared: number, pieces: string[]) {
    const { c, k } = await opened('xml', {});
    let got: unknown;
    k.script(async (s) => {
      got = await s.get(['./Vendor/Log']);
      await s.end();
    });
    const r1 = await c.send(pkg1);
    const get = commandsOf(r1.msg!)[0]!;
    let r = r1;
    for (let i = 0; i < pieces.length; i++) {
      const last = i === pieces.length - 1;
      const it = item({ source: './Vendor/Log', data: pieces[i]!, ...(i === 0 ? { meta: [el('Size', String(sizeDeclared))] } : {}), moreData: !last });
      const body = [statusFor(r.msg!, 'SyncHdr', '200'), ...(i === 0 ? [statusFor(r1.msg!, get, '200')] : []), resultsFor(r1.msg!, get, [it])];
      r = await c.send(body, { final: last });
      expect(r.status).toBe(200);
      if (!last) {
        // The kiosk's package is done, so it asks for the rest of the phone's with Alert 1222.
        expect(commandsOf(r.msg!).map((x) => textOf(x, 'Data'))).toEqual(['1222']);
        expect(isFinal(r.msg!)).toBe(false);
      }
    }
    expect((await k.outcome(0)).error).toBeUndefined();
    return got;
  }

  it('chunked Results are reassembled and reported once', async () => {
    const pieces = ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(50)];
    expect(await chunkedResults(650, pieces)).toEqual([{ status: 200, values: [{ uri: './Vendor/Log', data: pieces.join('') }] }]);
  });

  it('chunked Results whose size differs from Meta Size: 424, nothing reported', async () => {
    expect(await chunkedResults(999, ['a'.repeat(300), 'b'.repeat(10)])).toEqual([{ status: 424, values: [] }]);
  });

  it('a chunked Replace from the phone gets 213 per chunk, 200 at the end, and a new command in between gets Alert 1225', async () => {
    const { c, k } = await opened('xml', {});
    let mod: string | undefined;
    k.script(async (s) => {
      mod = s.hello.devInfo.Mod;
      await s.end();
    });
    const name = 'Model ' + 'm'.repeat(400);
    const chunk = (data: string, more: boolean, size?: number) =>
      el('Replace', item({ source: './DevInfo/Mod', data, ...(size ? { meta: [el('Size', String(size))] } : {}), moreData: more }));
    const r1 = await c.send([alert('1201'), devInfo(DEV), chunk(name.slice(0, 200), true, name.length)], { final: false });
    const st = (m: El, ref: string) => statusesOf(m).find((x) => x.cmdRef === ref)?.data;
    expect(st(r1.msg!, '3')).toBe('213');
    const r2 = await c.send([statusFor(r1.msg!, 'SyncHdr', '200'), chunk(name.slice(200), false)]);
    expect(st(r2.msg!, '2')).toBe('200');
    expect((await k.outcome(0)).error).toBeUndefined();
    expect(mod).toBe(name);

    // A second session: a new command before the last chunk abandons the object.
    const c2 = new DmClient({ url: k.url, devId: DEV, serverId: SERVER_ID, sessionId: '2', account: c.o.account!, encoding: 'xml' });
    const r3 = await c2.send([alert('1201'), devInfo(DEV), chunk(name.slice(0, 200), true, name.length)], { final: false });
    const r4 = await c2.send([statusFor(r3.msg!, 'SyncHdr', '200'), alert('1226', item({ source: './FUMO/x', meta: [el('Type', 'org.openmobilealliance.dm.firmwareupdate.update')], data: '200' }))]);
    const a1225 = commandsOf(r4.msg!).find((x) => x.name === 'Alert' && textOf(x, 'Data') === '1225');
    expect(a1225).toBeDefined();
    expect(textOf(a1225, 'Item/Target/LocURI') ?? textOf(a1225, 'Item/Source/LocURI')).toBe('./DevInfo/Mod');
    // The abandoned object is not taken: Mod stays what the whole DevInfo Replace said.
    expect((await k.outcome(1)).session!.hello.devInfo.Mod).toBe('Spec Phone');
  });
});
