/**
 * A connected pair of pseudo-terminals made by socat: what is written to one end is read on
 * the other, like the two ends of a null-modem cable. The device (or simulator) opens
 * `devicePath`, the kiosk opens `hostPath`. close() kills socat, which closes both ends: each
 * side then sees its port end, as when a cable is pulled.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface PtyPair {
  devicePath: string;
  hostPath: string;
  /** socat's pid. */
  pid: number;
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** socat binary; default 'socat' on PATH. */
  socat?: string;
  /** How long to wait for socat to report both ptys; default 10 s. */
  startTimeoutMs?: number;
}

export function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const child: ChildProcess = spawn(options.socat ?? 'socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return new Promise<PtyPair>((resolve, reject) => {
    let stderr = '';
    const paths: string[] = [];
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`socat did not report two ptys in time: ${stderr.trim()}`)), options.startTimeoutMs ?? 10_000);
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(e);
    };
    child.once('error', (e) => fail(new Error(`socat could not be started (${e.message}); install socat`)));
    child.once('exit', (code) => fail(new Error(`socat exited (${code}) before the ptys were ready: ${stderr.trim()}`)));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const m of stderr.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1]!)) paths.push(m[1]!);
      // socat reports both ptys, then "starting data transfer loop": only then are both ends linked.
      if (!settled && paths.length >= 2 && /starting data transfer loop/.test(stderr)) {
        settled = true;
        clearTimeout(timer);
        let closing: Promise<void> | undefined;
        resolve({
          devicePath: paths[0]!,
          hostPath: paths[1]!,
          pid: child.pid ?? -1,
          close: () => {
            closing ??= (async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              await exited;
            })();
            return closing;
          },
        });
      }
    });
  });
}
