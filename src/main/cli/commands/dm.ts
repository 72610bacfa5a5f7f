/**
 * `fumo-kiosk dm`: look at and convert SyncML DM messages.
 *   dm decode FILE|-            WBXML or XML in; the indented XML on stdout, a summary line per command on stderr
 *   dm encode FILE|- [-o OUT]   XML in; WBXML out (to OUT, or stdout)
 *   dm pkg0 ...                 package 0 (server-alerted notification) tools
 */
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { decodeMessage, encodeMessage } from '../../../core/dm/codec';
import { DM_LIMITS } from '../../../core/dm/limits';
import type { Command, Item, MetInf, SyncMLMessage } from '../../../core/dm/model';
import type { WbxmlEncodeOptions } from '../../../core/dm/wbxml';
import { DecodeError, KioskError } from '../../../core/errors';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { runPkg0 } from './dm-pkg0';

const USAGE = `Usage:
  fumo-kiosk dm decode FILE
      Read a DM message (WBXML or XML, told apart by its first byte; FILE may be - for stdin).
      Prints the message as indented XML on stdout and one summary line per command on stderr.
  fumo-kiosk dm encode FILE [-o OUT] [--wbxml-version 1.1|1.2|1.3] [--fpi]
      Read a DM message in XML (or WBXML) and write it as WBXML to OUT (default: stdout).
      --fpi writes the public id as the string "-//SYNCML//DTD SyncML 1.2//EN" instead of 0x1201.
  fumo-kiosk dm pkg0 decode|encode ...
      Package 0 (server-alerted notification): fumo-kiosk dm pkg0 --help for details.

Input is one DM message of at most ${DM_LIMITS.maxMessageBytes} bytes (64 MiB); larger input is refused
(INVALID_REQUEST, exit code 2) after reading at most that much of it.

Exit codes:
  0  success
  1  the operation failed
  2  bad arguments, input larger than one DM message may be, or a file that is not a DM message
`;

function inputTooLarge(name: string, limit: number): KioskError {
  return new KioskError('INVALID_REQUEST', {
    detail: `${name} holds more than ${limit} bytes, the most one DM message may have; give a single message`,
  });
}

/** Collect a stream's bytes up to `limit`; past it, stop reading and refuse. */
async function readBounded(source: AsyncIterable<unknown>, name: string, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early (the throw) ends the stream's iteration, so no more is read.
  for await (const chunk of source) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > limit) throw inputTooLarge(name, limit);
    chunks.push(b);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

/**
 * The input, read as a stream with a bound (a pipe, a device such as /dev/zero or a huge file
 * never fills memory); a regular file larger than the bound is refused from its size, unread.
 */
export async function readInput(file: string, io: CliIo, limit: number = DM_LIMITS.maxMessageBytes): Promise<Uint8Array> {
  if (file === '-') return readBounded(io.stdin, 'stdin', limit);
  try {
    const st = await stat(file);
    if (st.isFile() && st.size > limit) throw inputTooLarge(file, limit);
    // `end` is inclusive: one byte past the limit is enough to know the input is too large.
    return await readBounded(createReadStream(file, { end: limit, highWaterMark: 1024 * 1024 }), file, limit);
  } catch (e) {
    if (e instanceof KioskError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function decodeInput(bytes: Uint8Array, file: string): ReturnType<typeof decodeMessage> {
  try {
    return decodeMessage(bytes);
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new UsageError(`${file === '-' ? 'stdin' : file} is not a valid DM message: ${String(e.details.detail ?? e.message)}`);
    }
    throw e;
  }
}

function describeData(item: Item, cmdMeta: MetInf | undefined): string {
  const format = item.meta?.format ?? cmdMeta?.format;
  const parts: string[] = [];
  if (format) parts.push(format);
  if (item.data instanceof Uint8Array) parts.push(`${item.data.byteLength} bytes`);
  else if (item.data !== undefined) parts.push(item.data.length <= 40 && !/[\r\n]/.test(item.data) ? JSON.stringify(item.data) : `${item.data.length} chars`);
  const size = item.meta?.size ?? cmdMeta?.size;
  if (size !== undefined) parts.push(`Size ${size}`);
  if (item.moreData) parts.push('MoreData');
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

function describeItems(items: Item[], cmdMeta?: MetInf): string {
  return items
    .map((i) => {
      const where = i.target?.locURI ?? i.source?.locURI ?? '';
      return `${where}${describeData(i, cmdMeta)}`.trim();
    })
    .filter((s) => s !== '')
    .join('; ');
}

/** One line per command (nested commands of Atomic/Sequence indented below it). */
export function summarizeCommands(cmds: Command[], indent = ''): string[] {
  const lines: string[] = [];
  for (const c of cmds) {
    const head = `${indent}${c.kind} #${c.cmdID}`;
    switch (c.kind) {
      case 'Status':
        lines.push(`${head} for ${c.cmd} (msg ${c.msgRef}, cmd ${c.cmdRef}): ${c.data}${c.chal ? ` challenge ${c.chal.meta.type ?? ''}` : ''}${c.items.length ? ` ${describeItems(c.items)}` : ''}`.trimEnd());
        break;
      case 'Alert':
        lines.push(`${head} ${c.data ?? ''}${c.correlator !== undefined ? ` correlator ${c.correlator}` : ''}${c.items.length ? ` ${describeItems(c.items)}` : ''}`.trimEnd());
        break;
      case 'Atomic':
      case 'Sequence':
        lines.push(`${head} (${c.commands.length} commands)`);
        lines.push(...summarizeCommands(c.commands, indent + '  '));
        break;
      case 'Results':
        lines.push(`${head} for cmd ${c.cmdRef} ${describeItems(c.items, c.meta)}`.trimEnd());
        break;
      case 'Exec':
        lines.push(`${head} ${describeItems(c.items, c.meta)}${c.correlator !== undefined ? ` correlator ${c.correlator}` : ''}`.trimEnd());
        break;
      default:
        lines.push(`${head} ${describeItems(c.items, c.meta)}`.trimEnd());
    }
  }
  return lines;
}

export function summarizeMessage(m: SyncMLMessage, encoding: string): string[] {
  const h = m.header;
  return [
    `SyncHdr ${encoding.toUpperCase()} ${h.verProto} session ${h.sessionID} msg ${h.msgID} from ${h.source.locURI} to ${h.target.locURI}${h.cred ? ` cred ${h.cred.meta.type ?? '?'}` : ''}`,
    ...summarizeCommands(m.body),
    m.final ? 'Final' : 'no Final (more messages in this package)',
  ];
}

function takeOptions(args: string[]): { positional: string[]; out?: string; version?: WbxmlEncodeOptions['version']; fpi: boolean } {
  const positional: string[] = [];
  let out: string | undefined;
  let version: WbxmlEncodeOptions['version'];
  let fpi = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      out = args[++i];
      if (out === undefined) throw new UsageError(`${a} needs a file name`);
    } else if (a === '--wbxml-version') {
      const v = args[++i];
      const map: Record<string, WbxmlEncodeOptions['version']> = { '1.1': 0x01, '1.2': 0x02, '1.3': 0x03 };
      version = v === undefined ? undefined : map[v];
      if (version === undefined) throw new UsageError('--wbxml-version takes 1.1, 1.2 or 1.3');
    } else if (a === '--fpi') {
      fpi = true;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  return { positional, out, version, fpi };
}

export const dmCommand: CliCommand = {
  name: 'dm',
  summary: 'Decode and encode SyncML DM messages (XML, WBXML) and package 0',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'decode': {
        const o = takeOptions(rest);
        if (o.positional.length !== 1 || o.out !== undefined) throw new UsageError('usage: dm decode FILE (or - for stdin)');
        const file = o.positional[0]!;
        const { message, encoding } = decodeInput(await readInput(file, io), file);
        io.stdout.write(new TextDecoder().decode(encodeMessage(message, 'xml', { xml: { pretty: true } })));
        io.stderr.write(summarizeMessage(message, encoding).join('\n') + '\n');
        return 0;
      }
      case 'encode': {
        const o = takeOptions(rest);
        if (o.positional.length !== 1) throw new UsageError('usage: dm encode FILE [-o OUT]');
        const file = o.positional[0]!;
        const { message } = decodeInput(await readInput(file, io), file);
        const bytes = encodeMessage(message, 'wbxml', { wbxml: { version: o.version, publicId: o.fpi ? 'string' : 'numeric' } });
        if (o.out !== undefined) {
          try {
            await writeFile(o.out, bytes);
          } catch (e) {
            io.stderr.write(`fumo-kiosk dm encode: cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
            return 1;
          }
        } else {
          io.stdout.write(bytes);
        }
        return 0;
      }
      case 'pkg0':
        return runPkg0(rest, io);
      case undefined:
        throw new UsageError('missing subcommand: decode, encode or pkg0 (fumo-kiosk dm --help)');
      default:
        throw new UsageError(`unknown subcommand "${sub}": decode, encode or pkg0`);
    }
  },
};
