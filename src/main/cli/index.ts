import type { CliCommand, CliIo } from './command';
import { UsageError } from './command';
import { isKioskError } from '../../core/errors';
import { commands } from './commands';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'fumo-kiosk: offline OMA DM 1.2 firmware update kiosk',
    '',
    'Usage: fumo-kiosk <command> [options]   (fumo-kiosk <command> --help for details)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 success, 1 the operation failed, 2 bad arguments or bad input.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText() + '\n');
    return name ? 0 : 2;
  }
  const command: CliCommand | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`fumo-kiosk: unknown command "${name}". Run fumo-kiosk --help for the list.\n`);
    return 2;
  }
  if (rest[0] === '--help' || rest[0] === '-h') {
    io.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`fumo-kiosk ${name}: ${e.message}\n`);
      return 2;
    }
    if (isKioskError(e)) {
      io.stderr.write(`fumo-kiosk ${name}: ${e.message} [${e.code}]\n`);
      return e.code === 'DECODE_ERROR' || e.code === 'INVALID_REQUEST' || e.code === 'PIN_TAKEN' ? 2 : 1;
    }
    io.stderr.write(`fumo-kiosk ${name}: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const isEntry = typeof process !== 'undefined' && process.argv[1] !== undefined && /cli(\/index)?\.(ts|js|mjs|cjs)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
