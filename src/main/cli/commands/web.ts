/** `fumo-kiosk web`: the kiosk in a browser, served on loopback with a per-launch access token. */
import { KioskService } from '../../services/kiosk-service';
import { dmListenFromFlags } from '../../services/dm-endpoint';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KioskBackend } from '../../../shared/api';
import { createBackend, resolveDataDir } from '../../demo/backend';
import { resetDemoData } from '../../demo/demo-reset';
import { defaultDataDir } from '../../store/paths';
import { isLoopbackAddress } from '../../hosts/security';
import { hostPolicy } from '../../hosts/release';
import { startWebHost } from '../../hosts/web/server';
import { UsageError, type CliCommand, type CliIo } from '../command';

const USAGE = `Usage: fumo-kiosk web [--port N] [--host ADDR] [--data DIR] [--demo [--reset]] [--demo-shell] [--renderer DIR]

Serves the kiosk screens and the KioskApi on http://127.0.0.1 and prints the address to open
(it carries a random access token made at each launch; without it the screens cannot connect).

Options:
  --port N        port to listen on (default 8080; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1; another address needs the
                  administrator setting "allowNonLoopback")
  --data DIR      data folder: database, catalogue (default: ${defaultDataDir()},
                  and its demo/ subfolder with --demo)
  --demo          simulated devices and the demo catalogue, for a first look without hardware
                  (it continues where the last demo run left its data folder)
  --reset         with --demo: start from a fresh demo data folder (removes only a folder the
                  demo made), so the demo can be replayed
  --demo-shell    sample data only, no kiosk service behind the screens
  --dm-listen HOST:PORT  where phones that speak DM over HTTP reach the kiosk (default: the
                  setting dmListen, else 127.0.0.1 on a free port; repeat for more; HOST is an
                  IP address or a network interface's name, e.g. usb0:8443; beyond loopback
                  HTTPS only)
  --dm-cert FILE, --dm-key FILE  PEM certificate and key: the DM endpoint speaks HTTPS
                  (TLS 1.2 or later) on every --dm-listen address
  --dm-cable HOST:PORT  plain HTTP on a phone cable's own network interface (an
                  administrator's mark that this address is a cable's; repeatable)
                  Any --dm-* flag replaces the stored DM endpoint settings for this run
                  (fumo-kiosk settings --help)
  --serial-port PATH  a serial port with a phone whose cable no device profile names
                  (repeatable); only known phone cables and these ports are opened
  --renderer DIR  built screens (default: dist/renderer of this installation)

Stops on Ctrl+C. Exit codes: 0 stopped, 1 could not start, 2 bad arguments or a DM endpoint
address (flag or setting) it may not serve.
`;

interface WebArgs {
  port: number;
  host: string;
  dataDir: string | undefined;
  demo: boolean;
  demoShell: boolean;
  reset: boolean;
  rendererDir: string | undefined;
  dmListen: string[];
  dmCable: string[];
  dmCert?: string;
  dmKey?: string;
  serialPorts: string[];
}

export function parseWebArgs(args: string[]): WebArgs {
  const out: WebArgs = {
    port: 8080,
    host: '127.0.0.1',
    dataDir: undefined,
    demo: false,
    demoShell: false,
    reset: false,
    rendererDir: undefined,
    dmListen: [],
    dmCable: [],
    serialPorts: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--port': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new UsageError('--port must be a number from 0 to 65535');
        out.port = n;
        break;
      }
      case '--host':
        out.host = value();
        break;
      case '--data':
        out.dataDir = value();
        break;
      case '--dm-listen':
        out.dmListen.push(value());
        break;
      case '--dm-cable':
        out.dmCable.push(value());
        break;
      case '--dm-cert':
        out.dmCert = value();
        break;
      case '--dm-key':
        out.dmKey = value();
        break;
      case '--serial-port':
        out.serialPorts.push(value());
        break;
      case '--renderer':
        out.rendererDir = value();
        break;
      case '--demo':
        out.demo = true;
        break;
      case '--demo-shell':
        out.demoShell = true;
        break;
      case '--reset':
        out.reset = true;
        break;
      default:
        throw new UsageError(`unknown option ${a}; see fumo-kiosk web --help`);
    }
  }
  if (out.reset && !out.demo) throw new UsageError('--reset starts the demo afresh and needs --demo (it never removes a real kiosk\'s data)');
  return out;
}

/** dist/renderer of this installation, from the bundle (dist/main) or the sources (src/main/cli/commands). */
export function findRendererDir(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    for (const candidate of [join(dir, 'renderer'), join(dir, 'dist', 'renderer')]) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

async function waitForStop(): Promise<void> {
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const webCommand: CliCommand = {
  name: 'web',
  summary: 'serve the kiosk screens on loopback for a browser (prints the address to open)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const opts = parseWebArgs(args);
    const rendererDir = opts.rendererDir ? resolve(opts.rendererDir) : findRendererDir();
    if (!rendererDir || !existsSync(join(rendererDir, 'index.html'))) {
      io.stderr.write('fumo-kiosk web: the screens are not built. Run `npm run build` first.\n');
      return 1;
    }
    const dataDir = resolve(resolveDataDir(opts.dataDir, opts.demo));
    if (opts.reset) {
      const outcome = resetDemoData(dataDir);
      if (!outcome.reset) {
        io.stderr.write(`fumo-kiosk web: --reset refused: ${outcome.reason}.\n`);
        return 1;
      }
      io.stdout.write(`Starting the demo from a fresh data folder (${dataDir}).\n`);
    }
    const dmListen = dmListenFromFlags(opts);
    const backend: KioskBackend = await createBackend({
      dataDir,
      demo: opts.demo,
      demoShell: opts.demoShell,
      release: hostPolicy(false).release,
      ...(dmListen ? { dmListen } : {}),
      ...(opts.serialPorts.length ? { serialPorts: opts.serialPorts } : {}),
    });
    let allowNonLoopback = false;
    if (!isLoopbackAddress(opts.host)) {
      const settings = await backend.settings.get();
      allowNonLoopback = settings.ok && settings.value.allowNonLoopback;
    }
    try {
      let host;
      try {
        host = await startWebHost({
          backend,
          rendererDir,
          host: opts.host,
          port: opts.port,
          allowNonLoopback,
          dispatch: { checkOutgoing: opts.demo || opts.demoShell || process.env.FUMO_CHECK_CONTRACT === '1' },
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          io.stderr.write(
            `fumo-kiosk web: port ${opts.port} on ${opts.host} is ${code === 'EADDRINUSE' ? 'in use' : 'not allowed'}; choose another with --port N (0 picks a free one).\n`,
          );
          return 1;
        }
        throw e;
      }
      io.stdout.write(
        [
          `fumo-kiosk is running${opts.demoShell ? ' with sample data (--demo-shell)' : opts.demo ? ' in demo mode' : ''}.`,
          `  Technician bench:  ${host.url}#/tech`,
          `  Customer display:  ${host.customerUrl}`,
          ...(backend instanceof KioskService ? backend.dmEndpointUrls.map((u) => `DM endpoint: ${u}`) : []),
          "The address carries this launch's access token; open it on this machine. Stop with Ctrl+C.",
          '',
        ].join('\n'),
      );
      await waitForStop();
      await host.close();
      return 0;
    } finally {
      await backend.close?.();
    }
  },
};
