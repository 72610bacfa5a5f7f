/**
 * A long-running child process's output, line by line: `until` resolves once a condition holds
 * for the lines seen so far, and rejects (with the output) if the child exits first.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildLines {
  all: string[];
  until(test: (all: string[]) => boolean, what?: string): Promise<void>;
}

export function childLines(child: ChildProcess, stream: Readable | null = child.stdout): ChildLines {
  const all: string[] = [];
  const waiters: Array<{ test: (all: string[]) => boolean; resolve: () => void }> = [];
  let buf = '';
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.test(all)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  stream?.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      all.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    check();
  });
  return {
    all,
    until(test, what = 'the awaited output') {
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        check();
        child.once('exit', (code, signal) => {
          if (!test(all)) reject(new Error(`the process ended (${code ?? signal}) before ${what}; its output:\n${all.join('\n')}`));
        });
      });
    },
  };
}
