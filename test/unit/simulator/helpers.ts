import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundleFrame, ed25519KeyId, type BundleManifest } from '../../../src/core/catalog/bundle';
import { KioskError } from '../../../src/core/errors';
import type { DmPayload, Link, ReceiveOptions } from '../../../src/core/link';
import type { ClientHandler, ClientSessionOptions } from '../../../src/core/session/client-api';
import type { DeviceConnection, SessionRunnerDeps } from '../../../src/simulator/device';

export function tempDir(prefix = 'sim-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function makeKeys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** A signed bundle in memory: header | manifest | payload | signature (test sizes only). */
export function makeBundle(
  privateKey: KeyObject,
  publicKey: KeyObject,
  options: { models?: string[]; fromVersions?: string[]; targetVersion?: string; payload?: Uint8Array } = {},
): { bytes: Uint8Array; manifest: BundleManifest; payload: Uint8Array } {
  const payload = options.payload ?? new Uint8Array(50_000).map((_, i) => (i * 31 + 7) & 0xff);
  const manifest: BundleManifest = {
    bundleId: 'test-bundle-1',
    manufacturer: 'Reference Devices',
    models: options.models ?? ['RD-100'],
    fromVersions: options.fromVersions ?? ['1.0.*'],
    targetVersion: options.targetVersion ?? '1.1.0',
    size: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
    releaseNotes: { en: 'Fixes.' },
    severity: 'recommended',
    approval: { regulator: 'TEST', reference: 'T-1', date: '2026-01-01' },
    keyId: ed25519KeyId(publicKey),
    createdAt: '2026-01-01T00:00:00Z',
  };
  const { head, tail } = buildBundleFrame(manifest, (data) => new Uint8Array(sign(null, data, privateKey)));
  const bytes = new Uint8Array(head.length + payload.length + tail.length);
  bytes.set(head, 0);
  bytes.set(payload, head.length);
  bytes.set(tail, head.length + payload.length);
  return { bytes, manifest, payload };
}

/** A Link the test feeds by hand (package 0 in), closed to simulate a pulled cable. */
export class HandLink implements Link {
  readonly id = 'hand';
  readonly kind = 'memory' as const;
  readonly sent: DmPayload[] = [];
  private inbox: DmPayload[] = [];
  private waiters: { resolve(p: DmPayload): void; reject(e: Error): void }[] = [];
  closed = false;

  push(p: DmPayload): void {
    const w = this.waiters.shift();
    if (w) w.resolve(p);
    else this.inbox.push(p);
  }

  async send(message: DmPayload): Promise<void> {
    if (this.closed) throw new KioskError('CABLE_UNPLUGGED');
    this.sent.push(message);
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    if (this.closed) return Promise.reject(new KioskError('CABLE_UNPLUGGED'));
    const p = this.inbox.shift();
    if (p) return Promise.resolve(p);
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      this.waiters.push(w);
      options.signal?.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error('aborted'));
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new KioskError('CABLE_UNPLUGGED'));
  }
}

/** A link factory handing out HandLinks with a fresh address each time (like a new pty path). */
export function handLinkFactory(acceptsNotifications = true): {
  factory: () => Promise<DeviceConnection>;
  links: HandLink[];
  addresses: string[];
} {
  const links: HandLink[] = [];
  const addresses: string[] = [];
  return {
    links,
    addresses,
    factory: () => {
      const link = new HandLink();
      links.push(link);
      const address = `/dev/pts/fake${links.length}`;
      addresses.push(address);
      return Promise.resolve({ link, address, acceptsNotifications, dispose: () => link.close() });
    },
  };
}

export type ServerScript = (handler: ClientHandler, options: ClientSessionOptions) => Promise<void>;

/**
 * A stand-in for the client session engine plus the kiosk: each session runs the next script
 * against the device's ClientHandler, the way a server's commands would arrive. Records the
 * session options (package 1: initiator, Generic Alerts).
 */
export function scriptedRunner(scripts: ServerScript[]): {
  runner: (link: Link, options: ClientSessionOptions, handler: ClientHandler, deps: SessionRunnerDeps) => Promise<unknown>;
  sessions: { options: ClientSessionOptions; deps: SessionRunnerDeps }[];
} {
  const sessions: { options: ClientSessionOptions; deps: SessionRunnerDeps }[] = [];
  return {
    sessions,
    runner: async (link, options, handler, deps) => {
      sessions.push({ options, deps });
      const script = scripts.shift();
      if (script) await script(handler, options);
      return { ok: true };
    },
  };
}

/** Feed bytes to a handler's large object sink in chunks, as the engine would after reassembly. */
export async function sendLarge(handler: ClientHandler, uri: string, bytes: Uint8Array, chunk = 8192): Promise<number> {
  const sink = await handler.beginLargeObject(uri, bytes.length, { format: 'bin' });
  if ('status' in sink) return sink.status;
  try {
    for (let o = 0; o < bytes.length; o += chunk) await sink.write(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  } catch (e) {
    await sink.abort(String(e));
    throw e;
  }
  return (await sink.finish()).status;
}
