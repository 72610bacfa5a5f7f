/**
 * The DM endpoint of `fumo-kiosk web --demo`, started as a child process and found by the line
 * it prints, driven by the spec-written client as a phone that has never met the kiosk:
 * - `fumo-kiosk simulate --link http --server <that URL>` phones reach its bench;
 * - the content types and DmV real clients send (DM HTTP binding: application/vnd.syncml.dm+xml
 *   and +wbxml, with and without a charset parameter, and the older application/vnd.syncml+xml);
 * - malformed input answered at once with an HTTP status, the kiosk staying up;
 * - one SessionID per session and MsgIDs counting up by one (DM protocol 2.1, representation 5.1);
 * - FUMO 10.2.1: Exec with a Correlator answered 202, then the Generic Alert 1226 with that
 *   Correlator, in the same session and in a new one; the kiosk answers the alert with 200;
 * - DM protocol 2.5: the user interaction alerts the kiosk sends (1101 before the download, 1100
 *   at the end) and every answer the spec gives a phone (200, 304, 214, 408, 406).
 * Each test is its own phone (its own DevId) on the one running kiosk.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTools } from '../support/tools';
import { CT, alert, children, commandsOf, el, headerStatus, isFinal, statusFor, statusesOf, textOf, toXml, toWbxml, type DmClient, type El, type Enc, type Reply } from './dm-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { childLines } from '../support/child-lines';
import { spawnCli, startProduct, type Bench, type Product } from './product';
import { FUMO_ROOT, SpecPhone, type SpecPhoneOptions } from './spec-phone';

const here = 'test/conformance/product-endpoint.test.ts';
// `web --demo` plugs in its own simulated phones over pty pairs, which socat makes.
const canRun = haveTools(here, ['socat'], 'socat', ['-V']);

let product: Product;
let bench: Bench;
let nextDev = 356938035650000;
const newDevId = () => `IMEI:${++nextDev}`;
/** Every phone of this file: what the kiosk sent them is checked as a whole at the end. */
const phones: SpecPhone[] = [];
function newPhone(o: Partial<SpecPhoneOptions> = {}): SpecPhone {
  const p = new SpecPhone({ url: product.dmUrl, devId: newDevId(), ...o });
  phones.push(p);
  return p;
}

beforeAll(async () => {
  if (!canRun) return;
  product = await startProduct();
  bench = await product.technician();
});

afterAll(async () => {
  if (!canRun) return;
  // Still up after everything below, and it stops cleanly on Ctrl+C.
  expect(product.alive()).toBe(true);
  expect(await product.close()).toBe(0);
});

/** A fresh phone's first session, to its end: authenticated, identified, on the bench. */
async function firstSession(phone: SpecPhone, sessionId = '1'): Promise<{ c: DmClient; first: Reply; last: Reply }> {
  const c = phone.client(sessionId);
  const first = await phone.open(c);
  const last = await phone.converse(c, first);
  return { c, first, last };
}

interface JobView {
  jobId: string;
  phase: string;
  result: string | null;
  finishedAt: number | null;
  error: { code: string } | null;
}

/** Start an update from the bench in operator mode; the technician approves when asked (and, given `approveWhen`, once it resolves). */
async function startJob(devId: string, approveWhen?: Promise<void>): Promise<{ jobId: string; finished: Promise<JobView>; imageBytes: Promise<number> }> {
  const started = await bench.call<JobView>('jobs.start', { devId, schedule: 'now', consentMode: 'operator' });
  if (!started.ok) throw new Error(`jobs.start: ${started.error.message}`);
  const jobId = started.value.jobId;
  const imageBytes = bench
    .event((e) => e.event === 'consent:requested' && (e.payload as { jobId: string }).jobId === jobId)
    .then(async (e) => {
      const q = e.payload as { requestId: string; imageBytes: number; privacy: { version: string }; warranty: { version: string } };
      await approveWhen;
      const answered = await bench.call('consent.answer', { requestId: q.requestId, decision: 'approve', schedule: 'now', language: 'en', privacyVersion: q.privacy.version, warrantyVersion: q.warranty.version });
      if (!answered.ok) throw new Error(`consent.answer: ${answered.error.message}`);
      return q.imageBytes;
    });
  const finished = bench.event((e) => e.event === 'job:updated' && (e.payload as JobView).jobId === jobId && (e.payload as JobView).finishedAt !== null).then((e) => e.payload as JobView);
  return { jobId, finished, imageBytes };
}

/** The kiosk's command in its messages to this phone, by name and target. */
function sent(phone: SpecPhone): string[] {
  return phone.received.flatMap((m) => commandsOf(m).map((x) => `${x.name} ${x.name === 'Alert' ? textOf(x, 'Data') : textOf(x, 'Item/Target/LocURI')}`));
}

/** The status the kiosk gave the last Alert of the phone's message `msgId` (where the phone put its 1226). */
function lastAlertStatus(r: Reply, msgId: number): string | undefined {
  const alerts = statusesOf(r.msg!).filter((s) => s.cmd === 'Alert' && s.msgRef === String(msgId));
  return alerts.sort((a, b) => Number(a.cmdRef) - Number(b.cmdRef)).pop()?.data;
}

async function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (b) => {
      got += b.toString('latin1');
      if (got.includes('\r\n\r\n')) resolve(got);
    });
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

describe.runIf(canRun)('the DM endpoint of fumo-kiosk web --demo', () => {
  it('is printed as a loopback http URL and answers a client-initiated package 1 with its challenge', async () => {
    const u = new URL(product.dmUrl);
    expect(u.protocol).toBe('http:');
    expect(u.hostname).toBe('127.0.0.1');
    const phone = newPhone();
    const r = await phone.client('1').send([alert('1201'), phone.devInfo()]);
    expect(r.status).toBe(200);
    // The demo account's nonces are the kiosk's own: a phone that has never met it is challenged.
    const hs = headerStatus(r.msg!)!;
    expect(hs.data).toBe('401');
    expect(hs.chalType).toBe('syncml:auth-md5');
    expect(hs.nextNonce?.length).toBeGreaterThan(0);
    // The kiosk presents its own credentials in its first message, and a RespURI for the session.
    expect(textOf(r.msg!, 'SyncHdr/Cred/Meta/Type')).toBe('syncml:auth-md5');
    expect(textOf(r.msg!, 'SyncHdr/RespURI')).toMatch(new RegExp(`^${product.dmUrl}/s/`));
  });

  it('three phones of fumo-kiosk simulate --link http --server <that URL> appear on the bench, identified, while simulate keeps running', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'fumo-conformance-sim-'));
    const sim = spawnCli(['simulate', '--link', 'http', '--devices', '3', '--server', product.dmUrl, '--state', state]);
    try {
      const out = childLines(sim);
      const line = /^(IMEI:\d+) FK-Demo Phone fw 1\.0\.0 http (\S+)$/;
      await out.until((all) => all.filter((l) => line.test(l)).length === 3, 'three phone lines');
      const ids = out.all.filter((l) => line.test(l)).map((l) => line.exec(l)![1]!);
      for (const l of out.all) expect(line.exec(l)?.[2]).toBe(product.dmUrl);
      type Card = { portId: string; fwVersion: string | null; targetVersion: string | null; simulated: boolean };
      const cards = await Promise.all(ids.map((id) => bench.event((e) => e.event === 'device:updated' && (e.payload as Card).portId === `http:${id}` && (e.payload as Card).fwVersion !== null)));
      for (const c of cards) expect(c.payload).toMatchObject({ fwVersion: '1.0.0', targetVersion: '1.1.0', simulated: true });
      expect(sim.exitCode).toBeNull();
    } finally {
      const exited = new Promise((resolve) => sim.once('exit', resolve));
      sim.kill('SIGINT');
      await exited;
      rmSync(state, { recursive: true, force: true });
    }
  });

  describe('content types and DmV real clients send', () => {
    const cases: Array<{ enc: Enc; contentType: string; reply: string }> = [
      { enc: 'xml', contentType: CT.xml, reply: CT.xml },
      { enc: 'xml', contentType: `${CT.xml}; charset=UTF-8`, reply: CT.xml },
      { enc: 'wbxml', contentType: CT.wbxml, reply: CT.wbxml },
      { enc: 'wbxml', contentType: `${CT.wbxml}; charset=utf-8`, reply: CT.wbxml },
      { enc: 'xml', contentType: 'application/vnd.syncml+xml', reply: 'application/vnd.syncml' },
      { enc: 'wbxml', contentType: 'application/vnd.syncml+wbxml', reply: 'application/vnd.syncml' },
    ];
    for (const k of cases) {
      it(`${k.contentType}, DmV 1.2: authenticated, identified, answered in the same encoding`, async () => {
        const phone = newPhone({ encoding: k.enc, contentType: k.contentType });
        const devId = phone.o.devId;
        const c = phone.client('1');
        const first = await phone.open(c);
        expect(first.status).toBe(200);
        expect(first.contentType.startsWith(k.reply)).toBe(true);
        expect(first.contentType.includes(k.enc === 'wbxml' ? 'wbxml' : '+xml')).toBe(true);
        expect(headerStatus(first.msg!)?.data).toBe('212');
        const last = await phone.converse(c, first);
        expect(isFinal(last.msg!)).toBe(true);
        expect(sent(phone)).toContain('Get ./DevDetail/FwV');
        const listed = await bench.call<Array<{ portId: string; fwVersion: string | null; model: string | null }>>('devices.list');
        expect(listed.ok && listed.value.find((d) => d.portId === `http:${devId}`)).toMatchObject({ fwVersion: '1.0.0', model: 'FK-Demo Phone' });
      });
    }
  });

  describe('malformed input is answered at once and the kiosk stays up', () => {
    // The client gives up after 30 s; the endpoint's own reply timeout is 120 s, so a kiosk that
    // sits on a bad message instead of answering it fails here.
    const post = (body: Uint8Array | string, contentType: string, url = product.dmUrl) =>
      fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>), signal: AbortSignal.timeout(30_000) });
    const phone = () => newPhone();
    const pkg1Xml = (p: SpecPhone) => toXml(el('SyncML', p.client('1').header(), el('SyncBody', el('Alert', el('CmdID', '1'), el('Data', '1201')), el('Final'))));

    it('an empty body: 400', async () => {
      expect((await post('', CT.xml)).status).toBe(400);
      expect((await post(new Uint8Array(0), CT.wbxml)).status).toBe(400);
    });

    it('garbage: 400, in either encoding', async () => {
      expect((await post('this is not SyncML at all', CT.xml)).status).toBe(400);
      expect((await post(Uint8Array.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x6c, 0xff, 0xfe]), CT.wbxml)).status).toBe(400);
      expect((await post(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff), CT.wbxml)).status).toBe(400);
    });

    it('truncated XML and truncated WBXML: 400', async () => {
      const xml = pkg1Xml(phone());
      expect((await post(xml.slice(0, Math.floor(xml.length / 2)), CT.xml)).status).toBe(400);
      const p = phone();
      const wbxml = toWbxml(el('SyncML', p.client('1').header(), el('SyncBody', alert('1201'), p.devInfo(), el('Final'))));
      expect((await post(wbxml.subarray(0, Math.floor(wbxml.length / 2)), CT.wbxml)).status).toBe(400);
    });

    it('a content type that is not DM (text/plain, text/xml, none): 415', async () => {
      const xml = pkg1Xml(phone());
      expect((await post(xml, 'text/plain')).status).toBe(415);
      expect((await post(xml, 'text/xml')).status).toBe(415);
      const none = await fetch(product.dmUrl, { method: 'POST', body: new Blob([xml]), signal: AbortSignal.timeout(30_000) });
      expect(none.status).toBe(415);
    });

    it('a GET: 405; another path: 404; a request line that is not a URL: 400', async () => {
      expect((await fetch(product.dmUrl, { signal: AbortSignal.timeout(30_000) })).status).toBe(405);
      expect((await post(pkg1Xml(phone()), CT.xml, new URL('/other', product.dmUrl).toString())).status).toBe(404);
      const answer = await rawHttp(Number(new URL(product.dmUrl).port), 'POST http://[ HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n');
      expect(answer.startsWith('HTTP/1.1 400')).toBe(true);
    });

    it('a truncated message in mid-session: 400, the session removed (its RespURI 404)', async () => {
      const p = phone();
      const c = p.client('1');
      const first = await p.open(c);
      expect(headerStatus(first.msg!)?.data).toBe('212');
      const get = commandsOf(first.msg!)[0]!;
      const answer = c.encode(el('SyncML', c.header(), el('SyncBody', el('Status', el('CmdID', '1'), ...statusFor(first.msg!, 'SyncHdr', '200').children), el('Status', el('CmdID', '2'), ...statusFor(first.msg!, get, '200').children), el('Final'))));
      const cut = await c.post(answer.subarray(0, answer.length - 20));
      expect(cut.status).toBe(400);
      expect((await c.post(answer)).status).toBe(404);
    });

    it('after all of it, a phone still completes a session', async () => {
      const { last } = await firstSession(phone());
      expect(last.status).toBe(200);
      expect(isFinal(last.msg!)).toBe(true);
      expect(product.alive()).toBe(true);
    });
  });

  describe('SessionID and MsgID within a session', () => {
    async function opened() {
      const p = newPhone();
      const c = p.client('7');
      const first = await p.open(c);
      expect(headerStatus(first.msg!)?.data).toBe('212');
      // The kiosk speaks in the phone's session and numbers its own messages.
      expect(textOf(first.msg!, 'SyncHdr/SessionID')).toBe('7');
      const get = commandsOf(first.msg!)[0]!;
      const body = [statusFor(first.msg!, 'SyncHdr', '200'), statusFor(first.msg!, get, '404')];
      return { p, c, first, body };
    }

    it('the next message with MsgID one up and the same SessionID is taken; the kiosk answers in that session', async () => {
      const { c, first, body } = await opened();
      const r = await c.send(body);
      expect(r.status).toBe(200);
      expect(textOf(r.msg!, 'SyncHdr/SessionID')).toBe('7');
      expect(Number(textOf(r.msg!, 'SyncHdr/MsgID'))).toBe(Number(textOf(first.msg!, 'SyncHdr/MsgID')) + 1);
      expect(textOf(r.msg!, 'SyncHdr/Target/LocURI')).toBe(c.o.devId);
    });

    it('another SessionID in mid-session: 400, and the session is over', async () => {
      const { c, body } = await opened();
      const header = c.header();
      header.children = header.children.map((x) => (x.name === 'SessionID' ? el('SessionID', '8') : x));
      expect((await c.send(body, { header })).status).toBe(400);
      expect((await c.send(body)).status).toBe(404);
    });

    it('a repeated MsgID: 400, and the session is over', async () => {
      const { c, body } = await opened();
      c.msgId -= 1;
      expect((await c.send(body)).status).toBe(400);
      expect((await c.send(body)).status).toBe(404);
    });

    it('a skipped MsgID: 400', async () => {
      const { c, body } = await opened();
      c.msgId += 1;
      expect((await c.send(body)).status).toBe(400);
    });

    it('a new session after that starts at the base URL with MsgID 1 again', async () => {
      const { p } = await opened();
      const { last } = await firstSession(p, '9');
      expect(isFinal(last.msg!)).toBe(true);
    });
  });

  describe('Exec with a Correlator, and the Generic Alert 1226 (FUMO 10.2.1)', () => {
    /** Session 2 up to the Exec: checks, device consent, PkgURL, Exec. */
    async function upToExec(phone: SpecPhone, extra?: (r: Reply, c: DmClient) => El[] | Promise<El[]>) {
      await firstSession(phone);
      const job = await startJob(phone.o.devId);
      const c = phone.client('2');
      const end = await phone.converse(c, await phone.open(c), extra);
      return { job, c, end };
    }

    async function downloaded(phone: SpecPhone): Promise<number> {
      const url = phone.tree.get(`${FUMO_ROOT}/DownloadAndUpdate/PkgURL`);
      expect(url).toBeDefined();
      const res = await fetch(url!, { signal: AbortSignal.timeout(30_000) });
      expect(res.status).toBe(200);
      return (await res.arrayBuffer()).byteLength;
    }

    for (const display of ['200', '214'] as const) {
      it(`in the same session: Exec 202, then the 1226 with the Correlator gets 200; FwV is read again, 1100 answered ${display}: done`, async () => {
        const phone = newPhone({ displayAnswer: display });
        let alertSentIn: number | undefined;
        let bytes = 0;
        let statusFor1226: string | undefined;
        const { job } = await upToExec(phone, async (r, c) => {
          if (alertSentIn !== undefined && statusFor1226 === undefined) statusFor1226 = lastAlertStatus(r, alertSentIn);
          const exec = phone.execs[0];
          if (!exec || alertSentIn !== undefined) return [];
          // The phone answers the Exec (202) and, the package fetched and installed, reports in the same session.
          bytes = await downloaded(phone);
          phone.tree.set('./DevDetail/FwV', '1.1.0');
          alertSentIn = c.msgId + 1;
          return [SpecPhone.resultAlert(exec, '200')];
        });
        expect(phone.execs).toHaveLength(1);
        expect(phone.execs[0]!.target).toBe(`${FUMO_ROOT}/DownloadAndUpdate`);
        expect(phone.execs[0]!.correlator).toMatch(/\S/);
        expect(statusFor1226).toBe('200');
        const done = await job.finished;
        expect(done).toMatchObject({ phase: 'completed', result: 'success', error: null });
        expect(bytes).toBe(await job.imageBytes);
        const order = sent(phone);
        expect(order.indexOf(`Replace ${FUMO_ROOT}/DownloadAndUpdate/PkgURL`)).toBeLessThan(order.indexOf(`Exec ${FUMO_ROOT}/DownloadAndUpdate`));
        expect(order.lastIndexOf('Get ./DevDetail/FwV')).toBeGreaterThan(order.indexOf(`Exec ${FUMO_ROOT}/DownloadAndUpdate`));
        expect(phone.uiAlerts.map((a) => [a.code, a.answered])).toEqual([
          ['1101', '200'],
          ['1100', display],
        ]);
      });
    }

    it('in a new session: Exec 202 ends the package; the phone calls back with the 1226 and its Correlator, gets 200, done', async () => {
      // A phone with no user interface answers 406 to both alerts (DM protocol 2.5.2); the
      // customer's approval on the kiosk stands for it.
      const phone = newPhone({ confirmAnswer: '406', displayAnswer: '406' });
      const { job, end } = await upToExec(phone);
      expect(isFinal(end.msg!)).toBe(true);
      expect(commandsOf(end.msg!)).toEqual([]);
      const exec = phone.execs[0]!;
      expect(exec.correlator).toMatch(/\S/);
      expect(await downloaded(phone)).toBe(await job.imageBytes);
      phone.tree.set('./DevDetail/FwV', '1.1.0');
      phone.tree.set(`${FUMO_ROOT}/State`, '100');

      const c3 = phone.client('3');
      const first = await phone.open(c3, [SpecPhone.resultAlert(exec, '200')]);
      expect(first.status).toBe(200);
      expect(lastAlertStatus(first, c3.msgId)).toBe('200');
      await phone.converse(c3, first);
      expect(await job.finished).toMatchObject({ phase: 'completed', result: 'success', error: null });
      expect(phone.uiAlerts.map((a) => [a.code, a.answered])).toEqual([
        ['1101', '406'],
        ['1100', '406'],
      ]);
    });

    it('a 1226 whose result is a failure (410) fails the job with that result; the alert still gets 200', async () => {
      const phone = newPhone();
      const { job } = await upToExec(phone);
      const exec = phone.execs[0]!;
      const c3 = phone.client('3');
      const first = await phone.open(c3, [SpecPhone.resultAlert(exec, '410')]);
      expect(lastAlertStatus(first, c3.msgId)).toBe('200');
      await phone.converse(c3, first);
      const done = await job.finished;
      expect(done.phase).toBe('failed');
      expect(done.result).toBe('failed');
    });
  });

  describe('a consent that takes longer than the phone\'s HTTP client waits', () => {
    // The phone's client gives up on a POST after 10 s. The technician answers only once the phone
    // has had five keep-alive packages since the consent was asked; each follows the one before by
    // at least the kiosk's 5 s keep-alive pause, so the answer comes 25 s or more after the question.
    it('every POST is answered in time with a keep-alive Get, and the job completes after the late consent', async () => {
      const phone = newPhone({ requestTimeoutMs: 10_000, confirmAnswer: '406', displayAnswer: '406' });
      await firstSession(phone);
      let release: () => void = () => undefined;
      const approveWhen = new Promise<void>((r) => (release = r));
      const job = await startJob(phone.o.devId, approveWhen);
      let asked = false;
      void bench.event((e) => e.event === 'consent:requested' && (e.payload as { jobId: string }).jobId === job.jobId).then(() => (asked = true));
      const keepAlives: El[] = [];
      let answeredAfter: number | undefined;
      const c = phone.client('2');
      const end = await phone.converse(c, await phone.open(c), (r) => {
        const cmds = commandsOf(r.msg!);
        if (asked && answeredAfter === undefined && cmds.some((x) => x.name === 'Get' && textOf(x, 'Item/Target/LocURI') === './DevInfo/DevId')) {
          keepAlives.push(r.msg!);
          if (keepAlives.length === 5) {
            answeredAfter = keepAlives.length;
            release();
          }
        }
        return [];
      });
      expect(answeredAfter).toBe(5);
      // A keep-alive is a whole package of one Get: nothing else is asked of the phone meanwhile.
      for (const m of keepAlives) {
        expect(commandsOf(m).map((x) => x.name)).toEqual(['Get']);
        expect(isFinal(m)).toBe(true);
      }
      // After the late answer the session went on as usual: the 1101, the package, the Exec.
      const order = sent(phone);
      expect(order.indexOf('Alert 1101')).toBeGreaterThan(-1);
      expect(order.indexOf(`Exec ${FUMO_ROOT}/DownloadAndUpdate`)).toBeGreaterThan(order.indexOf('Alert 1101'));
      expect(isFinal(end.msg!)).toBe(true);
      const exec = phone.execs[0]!;
      expect(exec.correlator).toMatch(/\S/);
      const url = phone.tree.get(`${FUMO_ROOT}/DownloadAndUpdate/PkgURL`)!;
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      expect((await res.arrayBuffer()).byteLength).toBe(await job.imageBytes);
      phone.tree.set('./DevDetail/FwV', '1.1.0');
      phone.tree.set(`${FUMO_ROOT}/State`, '100');
      const c3 = phone.client('3');
      const first = await phone.open(c3, [SpecPhone.resultAlert(exec, '200')]);
      expect(lastAlertStatus(first, c3.msgId)).toBe('200');
      await phone.converse(c3, first);
      expect(await job.finished).toMatchObject({ phase: 'completed', result: 'success', error: null });
    });
  });

  describe('user interaction alerts (DM protocol 2.5)', () => {
    for (const answer of ['304', '214', '408'] as const) {
      it(`1101 answered ${answer}: the job is declined, no package and no Exec are sent`, async () => {
        const phone = newPhone({ confirmAnswer: answer });
        await firstSession(phone);
        const job = await startJob(phone.o.devId);
        const c = phone.client('2');
        const end = await phone.converse(c, await phone.open(c));
        expect(isFinal(end.msg!)).toBe(true);
        const done = await job.finished;
        expect(done).toMatchObject({ phase: 'declined', result: 'declined' });
        const after = sent(phone).slice(sent(phone).indexOf('Alert 1101') + 1);
        expect(after.filter((x) => x.startsWith('Replace') || x.startsWith('Exec'))).toEqual([]);
        expect(phone.execs).toEqual([]);
      });
    }

    it('1101 comes alone in its message (nothing left to answer 215), Item 1 holds options within the spec, Item 2 the text', async () => {
      const phone = newPhone({ confirmAnswer: '304' });
      await firstSession(phone);
      const job = await startJob(phone.o.devId);
      const c = phone.client('2');
      await phone.converse(c, await phone.open(c));
      await job.finished;
      const withConfirm = phone.received.find((m) => commandsOf(m).some((x) => x.name === 'Alert' && textOf(x, 'Data') === '1101'))!;
      expect(commandsOf(withConfirm)).toHaveLength(1);
      const confirm = commandsOf(withConfirm)[0]!;
      const items = children(confirm, 'Item');
      expect(items.length).toBe(2);
      const options = new URLSearchParams(textOf(items[0], 'Data') ?? '');
      // MINDT and MAXDT, where given, are positive integers (2.5.3.1, 2.5.3.2).
      for (const k of ['MINDT', 'MAXDT']) {
        const v = options.get(k);
        if (v !== null) expect(v).toMatch(/^[1-9]\d*$/);
      }
      expect(textOf(items[1], 'Data')).toMatch(/1\.1\.0/);
    });

    it('the kiosk never sends 1102, 1103 or 1104 (it asks for no text input and no choice)', () => {
      // Every phone of this file kept what the kiosk sent it; the check is over all of them.
      const seenAlertCodes = new Set(phones.flatMap((p) => p.received.flatMap((m) => commandsOf(m).filter((x) => x.name === 'Alert').map((x) => textOf(x, 'Data') ?? ''))));
      expect(seenAlertCodes).toContain('1101');
      expect(seenAlertCodes).toContain('1100');
      for (const code of ['1102', '1103', '1104']) expect(seenAlertCodes.has(code)).toBe(false);
    });
  });
});
