/**
 * `fumo-kiosk dm pkg0 decode FILE [--server-id ID --password PW --nonce B64]`
 * `fumo-kiosk dm pkg0 encode --server-id ID --password PW --nonce B64 --session-id N
 *      --ui-mode background|informative|user-interaction|not-specified [--initiator server|client] [-o OUT]`
 * Exit codes: 0 ok (decode: digest verifies, or no secret given), 1 digest does not verify, 2 bad input or usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError, type CliIo } from '../command';
import { fromBase64, toBase64 } from '../../../core/dm/auth';
import { decodePackage0, encodePackage0, sessionIdText, verifyPackage0WithResync, type UiMode } from '../../../core/dm/pkg0';
import { isKioskError } from '../../../core/errors';

export const PKG0_USAGE = `Usage:
  dm pkg0 decode FILE [--server-id ID --password PW --nonce B64]
      Print every field of a package 0 (server-alerted notification). With the server's password
      and nonce, also say whether the digest verifies (with the stored nonce, or with the
      resynchronisation nonce 0x00000000).
  dm pkg0 encode --server-id ID --password PW --nonce B64 --session-id N
                 --ui-mode background|informative|user-interaction|not-specified
                 [--initiator server|client] [-o OUT]
      Build a package 0; writes it to OUT, or prints it as hex.
Exit codes: 0 ok, 1 the digest does not verify, 2 bad input or usage.`;

const UI_MODES: readonly UiMode[] = ['not-specified', 'background', 'informative', 'user-interaction'];

function parseFlags(args: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a === '-o' ? 'output' : eq > 0 ? a.slice(2, eq) : a.slice(2);
      const value = eq > 0 && a !== '-o' ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`${a} needs a value`);
      flags.set(name, value);
    } else positional.push(a);
  }
  return { positional, flags };
}

function nonceOf(text: string): Uint8Array {
  const n = fromBase64(text);
  if (!n) throw new UsageError(`--nonce is not base64: ${text}`);
  return n;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

async function decode(positional: string[], flags: Map<string, string>, io: CliIo): Promise<number> {
  const file = positional[0];
  if (!file) throw new UsageError('decode needs a FILE');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const p = decodePackage0(bytes);
  const lines = [
    `digest:      ${hex(p.digest)}`,
    `version:     ${p.version} (${(p.version / 10).toFixed(1)})`,
    `ui-mode:     ${p.uiMode}`,
    `initiator:   ${p.initiator}`,
    `future:      ${p.future}`,
    `session-id:  ${p.sessionId} (SessionID ${sessionIdText(p.sessionId)})`,
    `server-id:   ${p.serverId}`,
    `vendor:      ${p.vendor.length} bytes${p.vendor.length ? ` ${hex(p.vendor)}` : ''}`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
  const password = flags.get('password');
  const nonce = flags.get('nonce');
  if (password === undefined && nonce === undefined) return 0;
  if (password === undefined || nonce === undefined) throw new UsageError('verifying needs both --password and --nonce');
  const expectedId = flags.get('server-id');
  if (expectedId !== undefined && expectedId !== p.serverId) {
    io.stdout.write(`digest:      not checked: the package names server ${p.serverId}, not ${expectedId}\n`);
    return 1;
  }
  const v = verifyPackage0WithResync(p, password, nonceOf(nonce));
  io.stdout.write(
    `verifies:    ${v.ok ? (v.nonce === 'stored' ? 'yes, with the given nonce' : 'yes, with the resynchronisation nonce 0x00000000') : 'no'}\n`,
  );
  return v.ok ? 0 : 1;
}

async function encode(flags: Map<string, string>, io: CliIo): Promise<number> {
  const need = (name: string): string => {
    const v = flags.get(name);
    if (v === undefined) throw new UsageError(`encode needs --${name}`);
    return v;
  };
  const serverId = need('server-id');
  const password = need('password');
  const nonce = nonceOf(need('nonce'));
  const sessionText = need('session-id');
  const sessionId = /^0x[0-9a-f]+$/i.test(sessionText) ? parseInt(sessionText, 16) : Number(sessionText);
  if (!Number.isInteger(sessionId) || sessionId < 1 || sessionId > 0xffff) throw new UsageError(`--session-id must be 1..65535, got ${sessionText}`);
  const uiMode = need('ui-mode') as UiMode;
  if (!UI_MODES.includes(uiMode)) throw new UsageError(`--ui-mode must be one of ${UI_MODES.join(', ')}`);
  const initiator = flags.get('initiator') ?? 'server';
  if (initiator !== 'server' && initiator !== 'client') throw new UsageError('--initiator must be server or client');
  if (Buffer.byteLength(serverId) > 255) throw new UsageError('--server-id is longer than 255 bytes');
  const bytes = encodePackage0({ uiMode, initiator, sessionId, serverId }, { password, nonce });
  const out = flags.get('output');
  if (out) {
    await writeFile(out, bytes);
    io.stdout.write(`wrote ${bytes.length} bytes to ${out} (nonce ${toBase64(nonce)})\n`);
  } else io.stdout.write(hex(bytes) + '\n');
  return 0;
}

/** Run `dm pkg0 ...` (args after `pkg0`). Returns the exit code. */
export async function runPkg0(args: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  try {
    if (verb === undefined || verb === '--help' || verb === '-h') {
      io.stdout.write(PKG0_USAGE + '\n');
      return verb === undefined ? 2 : 0;
    }
    const { positional, flags } = parseFlags(rest);
    if (verb === 'decode') return await decode(positional, flags, io);
    if (verb === 'encode') return await encode(flags, io);
    throw new UsageError(`unknown pkg0 action ${verb}: use decode or encode`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (isKioskError(e)) {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
