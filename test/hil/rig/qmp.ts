/**
 * A QMP client (QEMU Machine Protocol, JSON lines over a unix socket): capabilities negotiation,
 * commands with their replies in order, and events for the rig to wait on (DEVICE_DELETED).
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export class QmpClient extends EventEmitter<{ event: [QmpEvent]; closed: [] }> {
  private buffer = '';
  private readonly pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private greeted: Promise<void>;

  private constructor(private readonly socket: Socket) {
    super();
    let greet: () => void = () => undefined;
    this.greeted = new Promise((r) => (greet = r));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('QMP' in msg) greet();
        else if ('event' in msg) this.emit('event', msg as unknown as QmpEvent);
        else if ('return' in msg) this.pending.shift()?.resolve(msg['return']);
        else if ('error' in msg) {
          const err = msg['error'] as { class?: string; desc?: string };
          this.pending.shift()?.reject(new Error(`QMP ${err.class ?? 'error'}: ${err.desc ?? line}`));
        }
      }
    });
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('QMP connection closed'));
      this.emit('closed');
    });
    socket.on('error', () => undefined);
  }

  static async open(path: string): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const client = new QmpClient(socket);
    await client.greeted;
    await client.execute('qmp_capabilities');
    return client;
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    });
  }

  /** Resolves with the first event named `name` that `match` accepts. */
  waitForEvent(name: string, match: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: QmpEvent): void => {
        if (e.event !== name || !match(e)) return;
        this.off('event', onEvent);
        this.off('closed', onClosed);
        resolve(e);
      };
      const onClosed = (): void => {
        this.off('event', onEvent);
        reject(new Error(`QMP closed before ${name}`));
      };
      this.on('event', onEvent);
      this.once('closed', onClosed);
    });
  }

  /** device_del, resolved once QEMU reports the device gone (the guest has seen the unplug). */
  async deviceDel(id: string): Promise<void> {
    const gone = this.waitForEvent('DEVICE_DELETED', (e) => e.data?.['device'] === id);
    await this.execute('device_del', { id });
    await gone;
  }

  async deviceAdd(props: Record<string, unknown>): Promise<void> {
    await this.execute('device_add', props);
  }

  close(): void {
    this.socket.destroy();
  }
}
