/**
 * The CLI run in-process, as a person at a terminal would run it: its exit code and what it
 * wrote to standard output and standard error. Standard input is closed unless text is given.
 */
import { PassThrough } from 'node:stream';
import { main } from '../../src/main/cli/index';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: string[], input?: string): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(input ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, stdin });
  return { code, out, err };
}
