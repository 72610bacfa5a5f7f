import { createHash } from 'node:crypto';
import { FakeClock as SupportFakeClock, seededRandom } from '../../support/clock';
import type { AuthAccount } from '../../../src/core/dm/auth';
import type { ItemData, MetInf } from '../../../src/core/dm/model';
import type { GenericAlert } from '../../../src/core/session/api';
import type { ClientHandler, CommandReply, LargeObjectSink, UserInteraction, UserInteractionReply } from '../../../src/core/session/client-api';

/** The tests' one fake clock, started at 0 for the session tests. */
export class FakeClock extends SupportFakeClock {
  constructor() {
    super(0);
  }
}

export { seededRandom };

export function account(overrides: Partial<AuthAccount> = {}): AuthAccount {
  return {
    deviceId: 'IMEI:493005100592800',
    serverId: 'fumo-kiosk',
    clientName: 'device-user',
    clientSecret: 'device-secret',
    serverName: 'fumo-kiosk',
    serverSecret: 'kiosk-secret',
    clientNonce: Buffer.from('initial-client-nonce').toString('base64'),
    serverNonce: Buffer.from('initial-server-nonce').toString('base64'),
    ...overrides,
  };
}

export const DEV_INFO = { DevId: 'IMEI:493005100592800', Man: 'Acme', Mod: 'Phone 1', DmV: '1.2', Lang: 'en-US' };

/** A sink that hashes what it receives (never keeps the object). */
export class HashingSink implements LargeObjectSink {
  readonly hash = createHash('sha256');
  bytes = 0;
  writes = 0;
  finished = false;
  aborted: string | undefined;
  write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.writes++;
    return Promise.resolve();
  }
  finish(): Promise<CommandReply> {
    this.finished = true;
    return Promise.resolve({ status: 200 });
  }
  abort(reason: string): Promise<void> {
    this.aborted = reason;
    return Promise.resolve();
  }
}

/** A small DM tree client handler for tests. */
export class TreeHandler implements ClientHandler {
  readonly nodes = new Map<string, string>([
    ['./DevDetail/FwV', '1.0.0'],
    ['./DevDetail/LrgObj', 'true'],
    ['./DevInfo/DevId', DEV_INFO.DevId],
  ]);
  readonly sinks: HashingSink[] = [];
  readonly execs: Array<{ uri: string; correlator?: string }> = [];
  readonly interactions: UserInteraction[] = [];
  pendingAlerts: GenericAlert[] = [];
  uiReply: UserInteractionReply = { status: 200 };
  /** After an Exec, report this alert (as the device would after installing). */
  alertAfterExec: ((correlator: string | undefined) => GenericAlert) | undefined;

  get(uri: string): Promise<CommandReply> {
    if (uri === './DevDetail') {
      const values = [...this.nodes].filter(([k]) => k.startsWith('./DevDetail/')).map(([k, v]) => ({ uri: k, format: 'chr', data: v }));
      return Promise.resolve({ status: 200, values });
    }
    const v = this.nodes.get(uri);
    return Promise.resolve(v === undefined ? { status: 404 } : { status: 200, values: [{ uri, format: 'chr', data: v }] });
  }
  replace(uri: string, data: ItemData | undefined, _meta: MetInf | undefined): Promise<CommandReply> {
    this.nodes.set(uri, typeof data === 'string' ? data : data ? Buffer.from(data).toString('hex') : '');
    return Promise.resolve({ status: 200 });
  }
  add(uri: string, data: ItemData | undefined, meta: MetInf | undefined): Promise<CommandReply> {
    return this.replace(uri, data, meta);
  }
  delete(uri: string): Promise<CommandReply> {
    return Promise.resolve({ status: this.nodes.delete(uri) ? 200 : 404 });
  }
  exec(uri: string, options: { correlator?: string }): Promise<CommandReply> {
    this.execs.push({ uri, ...(options.correlator ? { correlator: options.correlator } : {}) });
    if (this.alertAfterExec) this.pendingAlerts.push(this.alertAfterExec(options.correlator));
    return Promise.resolve({ status: 202 });
  }
  beginLargeObject(_uri: string, _size: number, _meta: MetInf | undefined): Promise<LargeObjectSink | CommandReply> {
    const s = new HashingSink();
    this.sinks.push(s);
    return Promise.resolve(s);
  }
  userInteraction(alert: UserInteraction): Promise<UserInteractionReply> {
    this.interactions.push(alert);
    return Promise.resolve(this.uiReply);
  }
  takeGenericAlerts(): GenericAlert[] {
    return this.pendingAlerts.splice(0);
  }
}
