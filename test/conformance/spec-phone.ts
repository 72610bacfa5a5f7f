/**
 * A phone with a FUMO object, played with the spec-written DmClient: it answers every command
 * of the kiosk from a small tree (Get -> Results or 404, Replace -> 200, Exec -> 202 with its
 * Correlator kept, user interaction alerts as the test says) until the kiosk's package holds no
 * more commands. DM protocol: a server package with no commands ends the session.
 */
import { DmClient, alert, child, commandsOf, el, headerStatus, isFinal, item, resultsFor, statusFor, textOf, type El, type Enc, type Reply } from './dm-client';

export const DEMO_SERVER_ID = 'fumo-kiosk';
/** The reference simulator's published demo account (the demo kiosk lets it in). */
export const DEMO_CLIENT_SECRET = 'sim-client-secret';
export const DEMO_SERVER_SECRET = 'sim-server-secret';

export interface ExecSeen {
  target: string;
  correlator: string | undefined;
}

export interface SpecPhoneOptions {
  url: string;
  devId: string;
  model?: string;
  fwVersion?: string;
  encoding?: Enc;
  /** Content-Type header of its POSTs (default the DM type of the encoding). */
  contentType?: string;
  /** Answer to Alert 1101 (confirm): 200 yes, 304 no, 214 cancelled, 408 timeout, 406 no UI. */
  confirmAnswer?: string;
  /** Answer to Alert 1100 (display). */
  displayAnswer?: string;
  /** Per-POST timeout of its HTTP client (default the client's). */
  requestTimeoutMs?: number;
  /** The CA certificate (PEM) it trusts for an https URL. */
  ca?: string | Buffer;
}

export const FUMO_ROOT = './FwUpdate';

export class SpecPhone {
  private account: DmClient['o']['account'];
  readonly tree = new Map<string, string>();
  readonly execs: ExecSeen[] = [];
  /** Every user interaction alert the kiosk sent: its code and the answer given. */
  readonly uiAlerts: Array<{ code: string; answered: string; options: string | undefined; text: string | undefined }> = [];
  /** Every message the kiosk sent, in order. */
  readonly received: El[] = [];

  constructor(readonly o: SpecPhoneOptions) {
    const set = (k: string, v: string) => this.tree.set(k, v);
    set('./DevDetail/FwV', o.fwVersion ?? '1.0.0');
    set('./DevDetail/SwV', o.fwVersion ?? '1.0.0');
    set('./DevDetail/LrgObj', 'true');
    set('./DevDetail/Ext/Battery', '90');
    set('./DevDetail/Ext/ExternalPower', 'false');
    set('./DevDetail/Ext/FreeSpace', '500000000');
    set(`${FUMO_ROOT}?prop=Type`, 'urn:oma:mo:oma-fumo:1.0');
    set(`${FUMO_ROOT}/State`, '10');
  }

  /** A new session's client: MD5 digest on the nonce the kiosk gave last (none yet: challenged first). */
  client(sessionId: string): DmClient {
    return new DmClient({
      url: this.o.url,
      devId: this.o.devId,
      serverId: DEMO_SERVER_ID,
      sessionId,
      encoding: this.o.encoding ?? 'xml',
      ...(this.o.contentType ? { contentType: this.o.contentType } : {}),
      ...(this.o.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.o.requestTimeoutMs } : {}),
      ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}),
      account: (this.account ??= {
        user: this.o.devId,
        secret: DEMO_CLIENT_SECRET,
        type: 'md5',
        nonce: new Uint8Array(0),
        serverUser: DEMO_SERVER_ID,
        serverSecret: DEMO_SERVER_SECRET,
        serverNonce: new Uint8Array(0),
      }),
    });
  }


  devInfo(dmv = '1.2'): El {
    return el(
      'Replace',
      ...Object.entries({ DevId: this.o.devId, Man: 'Reference Devices', Mod: this.o.model ?? 'FK-Demo Phone', DmV: dmv, Lang: 'en-US' }).map(([k, v]) => item({ source: `./DevInfo/${k}`, data: v })),
    );
  }

  /** Package 1, answered through an MD5 challenge if the kiosk issues one; resolves with the first reply past authentication. */
  async open(c: DmClient, extra: El[] = []): Promise<Reply> {
    const pkg1 = [alert('1201'), this.devInfo(), ...extra];
    let r = await c.send(pkg1);
    if (r.status === 200 && headerStatus(r.msg!)?.data === '401' && headerStatus(r.msg!)?.nextNonce) {
      r = await c.send([statusFor(r.msg!, 'SyncHdr', '212'), ...pkg1]);
    }
    return r;
  }

  /** Answer the kiosk until its package holds no commands; `extra(reply)` adds commands of the phone's own after the answers to `reply`. */
  async converse(c: DmClient, first: Reply, extra?: (r: Reply, c: DmClient) => El[] | Promise<El[]>): Promise<Reply> {
    let r = first;
    for (let turns = 0; turns < 200; turns++) {
      if (r.status !== 200 || !r.msg) return r;
      this.received.push(r.msg);
      const answers: El[] = [statusFor(r.msg, 'SyncHdr', '200')];
      const cmds = commandsOf(r.msg);
      for (const cmd of cmds) answers.push(...this.answer(r.msg, cmd));
      // The phone's own commands go after its answers, so they may depend on what it just did.
      const own = (await extra?.(r, c)) ?? [];
      if (cmds.length === 0 && own.length === 0 && isFinal(r.msg)) return r;
      r = await c.send([...answers, ...own]);
    }
    throw new Error('the session did not end within 200 messages');
  }

  private answer(msg: El, cmd: El): El[] {
    const target = textOf(cmd, 'Item/Target/LocURI') ?? '';
    switch (cmd.name) {
      case 'Get': {
        const v = this.tree.get(target);
        if (v === undefined) return [statusFor(msg, cmd, '404')];
        return [statusFor(msg, cmd, '200'), resultsFor(msg, cmd, [item({ source: target, data: v })])];
      }
      case 'Replace':
      case 'Add': {
        const d = child(cmd, 'Item/Data');
        this.tree.set(target, d?.text ?? (d?.bytes ? Buffer.from(d.bytes).toString('utf8') : ''));
        return [statusFor(msg, cmd, child(cmd, 'Item/MoreData') ? '213' : '200')];
      }
      case 'Exec':
        this.execs.push({ target, correlator: textOf(cmd, 'Correlator') });
        return [statusFor(msg, cmd, '202')];
      case 'Alert': {
        const code = textOf(cmd, 'Data') ?? '';
        const items = cmd.children.filter((x) => x.name === 'Item');
        if (code >= '1100' && code <= '1104') {
          const answered = code === '1101' ? (this.o.confirmAnswer ?? '200') : code === '1100' ? (this.o.displayAnswer ?? '200') : '406';
          this.uiAlerts.push({ code, answered, options: textOf(items[0], 'Data'), text: textOf(items[1], 'Data') });
          return [statusFor(msg, cmd, answered)];
        }
        return [statusFor(msg, cmd, '200')];
      }
      default:
        return [statusFor(msg, cmd, '200')];
    }
  }

  /** The FUMO Generic Alert (1226) reporting an Exec's result, with its Correlator. */
  static resultAlert(exec: ExecSeen, resultCode: string): El {
    const type = `org.openmobilealliance.dm.firmwareupdate.${exec.target.split('/').pop()!.toLowerCase()}`;
    return el(
      'Alert',
      el('Data', '1226'),
      ...(exec.correlator !== undefined ? [el('Correlator', exec.correlator)] : []),
      item({ source: exec.target, meta: [el('Type', type), el('Format', 'int'), el('Mark', 'informational')], data: resultCode }),
    );
  }
}
