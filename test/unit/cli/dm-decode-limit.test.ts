/**
 * `fumo-kiosk dm decode` reads at most one DM message's worth of input (64 MiB): larger input
 * is refused with INVALID_REQUEST and exit code 2, without being read in full: a stream is
 * left after the bound, a large regular file is refused from its size, a device is read only
 * to one byte past the bound.
 */
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DM_LIMITS } from '../../../src/core/dm/limits';
import { main } from '../../../src/main/cli/index';
import { corpusDir } from '../dm/helpers';

const LIMIT = DM_LIMITS.maxMessageBytes;
const CHUNK = 1024 * 1024;

function io(stdin: NodeJS.ReadableStream) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr, stdin }, err: () => err };
}

/** A stdin of `total` bytes in 1 MiB chunks that counts what was pulled from it. */
function countingInput(total: number): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const chunk = Buffer.alloc(CHUNK, 0x20);
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (pulled >= total) return void this.push(null);
      pulled += CHUNK;
      this.push(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

const dir = mkdtempSync(join(tmpdir(), 'dm-decode-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dm decode input bound', () => {
  it('stops reading stdin one chunk past the bound and refuses it with INVALID_REQUEST, exit 2', async () => {
    const input = countingInput(LIMIT + 16 * CHUNK);
    const c = io(input.stream);
    expect(await main(['dm', 'decode', '-'], c.io)).toBe(2);
    expect(c.err()).toContain(`stdin holds more than ${LIMIT} bytes, the most one DM message may have`);
    expect(c.err()).toContain('[INVALID_REQUEST]');
    // The read-ahead of a stream is at most a few chunks: nowhere near the 16 MiB left.
    expect(input.pulled()).toBeLessThanOrEqual(LIMIT + 4 * CHUNK);
  });

  it('refuses a regular file larger than the bound from its size', async () => {
    const file = join(dir, 'huge.wbxml');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 1_000_000_000); // sparse: no disk used, and nothing to read
    closeSync(fd);
    const c = io(new PassThrough());
    expect(await main(['dm', 'decode', file], c.io)).toBe(2);
    expect(c.err()).toContain(`${file} holds more than ${LIMIT} bytes`);
  });

  it.runIf(existsSync('/dev/zero'))('reads a device such as /dev/zero only up to the bound', async () => {
    const before = process.memoryUsage().rss;
    const c = io(new PassThrough());
    expect(await main(['dm', 'decode', '/dev/zero'], c.io)).toBe(2);
    expect(c.err()).toContain(`/dev/zero holds more than ${LIMIT} bytes`);
    // Held at most the bound (64 MiB) on the way: far from the gigabytes an unbounded read reaches.
    expect(process.memoryUsage().rss - before).toBeLessThan(2 * LIMIT);
  });

  it('a message within the bound still decodes, from stdin and from a file', async () => {
    const file = join(corpusDir, '13-exec-update-correlator.xml');
    const viaStdin = io(Readable.from([readFileSync(file)]));
    expect(await main(['dm', 'decode', '-'], viaStdin.io)).toBe(0);
    expect(viaStdin.err()).toContain('Exec #2 ./FUMO/kiosk/Update correlator job-42');
    const viaFile = io(new PassThrough());
    expect(await main(['dm', 'decode', file], viaFile.io)).toBe(0);
    expect(viaFile.err()).toContain('Exec #2 ./FUMO/kiosk/Update correlator job-42');
  });
});
