/**
 * The guest's side of the rig's control port (/dev/hil-ctl, a virtio-serial port): JSON lines,
 * one request and its answer at a time, for actions only the host can take (QMP device_del and
 * device_add, the phone's state). A read is issued only while an answer is awaited: a read left
 * blocked on the port would keep the process from exiting, so close() ends with a 'bye' the host
 * answers.
 */
import { openSync, read, writeSync, closeSync } from 'node:fs';

export interface ControlAnswer {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export class HostControl {
  private fd: number | undefined;
  private buffer = '';
  private nextId = 1;

  constructor(private readonly path = '/dev/hil-ctl') {}

  private readLine(fd: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const nl = this.buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        resolve(line);
        return;
      }
      const chunk = Buffer.alloc(4096);
      read(fd, chunk, 0, chunk.length, null, (err, n) => {
        if (err) return reject(err);
        this.buffer += chunk.subarray(0, n).toString('utf8');
        this.readLine(fd).then(resolve, reject);
      });
    });
  }

  /** Ask the host; throws with the host's reason when it could not. */
  async ask(op: string, args: Record<string, unknown> = {}): Promise<ControlAnswer> {
    this.fd ??= openSync(this.path, 'r+');
    const id = this.nextId++;
    writeSync(this.fd, JSON.stringify({ id, op, ...args }) + '\n');
    for (;;) {
      const a = JSON.parse(await this.readLine(this.fd)) as ControlAnswer & { id: number };
      if (a.id !== id) continue;
      if (!a.ok) throw new Error(`host could not ${op}: ${a.error ?? 'no reason given'}`);
      return a;
    }
  }

  /** Ends the conversation; no read is left pending afterwards. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    await this.ask('bye').catch(() => undefined);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A line the host's runner collects from the console: one named measurement. */
export function report(name: string, value: unknown): void {
  process.stdout.write(`HIL-RESULT ${JSON.stringify({ name, value })}\n`);
}

/** Fails the job with a clear line on the console. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}
