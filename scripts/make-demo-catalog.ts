/**
 * Makes the DEMO catalogue: a demo manufacturer key pair (resources/keys/demo-manufacturer.*.pem),
 * signed demo bundles for the "FK-Demo Phone" (resources/catalog/*.fumo) and the demo trust store
 * (resources/catalog/trust.json).
 *
 * Everything is deterministic: the key comes from a fixed seed, payloads from a fixed label and
 * createdAt is fixed, and Ed25519 signatures are deterministic, so re-running gives the same bytes.
 * The DEMO key is public knowledge: never trust it in production.
 *
 *   npx tsx scripts/make-demo-catalog.ts [--out DIR]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519KeyId } from '../src/core/catalog/bundle';
import { deterministicBytes, ed25519KeyPairFromSeed, signBundle, type BundleFields } from '../src/core/catalog/sign';

export const DEMO_MANUFACTURER = 'Demo Manufacturer';
export const DEMO_MODEL = 'FK-Demo Phone';
export const DEMO_KEY_NAME = 'Demo Manufacturer (DEMO key, not for production)';
const DEMO_SEED_LABEL = 'fumo-kiosk DEMO manufacturer key - NOT FOR PRODUCTION';
const CREATED_AT = '2026-01-15T09:00:00Z';
const APPROVAL = { regulator: 'DEMO Regulator (not a real approval)', reference: 'DEMO-APPROVAL-0001', date: '2026-01-10' };

interface DemoBundle {
  file: string;
  fields: BundleFields;
  payloadBytes: number;
}

const BUNDLES: DemoBundle[] = [
  {
    file: 'fk-demo-phone-1.0.0-to-1.1.0.fumo',
    payloadBytes: 300_000,
    fields: {
      bundleId: 'fk-demo-phone-1.0.0-to-1.1.0',
      manufacturer: DEMO_MANUFACTURER,
      models: [DEMO_MODEL],
      fromVersions: ['1.0.0'],
      targetVersion: '1.1.0',
      releaseNotes: {
        en: 'Improves battery life in standby and fixes dropped calls when switching between mobile networks.',
        de: 'Verlängert die Akkulaufzeit im Standby und behebt abgebrochene Anrufe beim Wechsel zwischen Mobilfunknetzen.',
        es: 'Mejora la duración de la batería en reposo y corrige las llamadas cortadas al cambiar de red móvil.',
      },
      severity: 'recommended',
      approval: { ...APPROVAL },
      createdAt: CREATED_AT,
    },
  },
  {
    file: 'fk-demo-phone-1.1.0-to-1.2.0.fumo',
    payloadBytes: 200_000,
    fields: {
      bundleId: 'fk-demo-phone-1.1.0-to-1.2.0',
      manufacturer: DEMO_MANUFACTURER,
      models: [DEMO_MODEL],
      fromVersions: ['1.1.0'],
      targetVersion: '1.2.0',
      releaseNotes: {
        en: 'Security update: fixes a flaw in the radio software. Install it as soon as possible.',
        de: 'Sicherheitsupdate: behebt eine Schwachstelle in der Funksoftware. Bitte so bald wie möglich installieren.',
        es: 'Actualización de seguridad: corrige un fallo en el software de radio. Instálela lo antes posible.',
      },
      severity: 'critical',
      approval: { ...APPROVAL, reference: 'DEMO-APPROVAL-0002' },
      createdAt: CREATED_AT,
    },
  },
];

export function demoKeyPair() {
  return ed25519KeyPairFromSeed(new Uint8Array(createHash('sha256').update(DEMO_SEED_LABEL).digest()));
}

const DEMO_BANNER = '# DEMO KEY - publicly known, for demonstrations and tests only. NEVER trust it in production.\n';

function demoPayload(targetVersion: string, size: number): Uint8Array {
  const head = new TextEncoder().encode(`FK-DEMO-FIRMWARE ${DEMO_MODEL} ${targetVersion} (DEMO image, not real firmware)\n`);
  const out = new Uint8Array(size);
  out.set(head.subarray(0, size), 0);
  if (size > head.length) out.set(deterministicBytes(`fk-demo-payload-${targetVersion}`, size - head.length), head.length);
  return out;
}

export function makeDemoCatalog(root: string): { files: string[] } {
  const keysDir = path.join(root, 'keys');
  const catalogDir = path.join(root, 'catalog');
  mkdirSync(keysDir, { recursive: true });
  mkdirSync(catalogDir, { recursive: true });
  const { privateKey, publicKey } = demoKeyPair();
  const pubPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const files: string[] = [];
  const write = (file: string, data: string | Uint8Array) => {
    writeFileSync(file, data);
    files.push(file);
  };
  write(path.join(keysDir, 'demo-manufacturer.pub.pem'), DEMO_BANNER + pubPem);
  write(path.join(keysDir, 'demo-manufacturer.key.pem'), DEMO_BANNER + keyPem);
  for (const b of BUNDLES) {
    write(path.join(catalogDir, b.file), signBundle(b.fields, demoPayload(b.fields.targetVersion, b.payloadBytes), privateKey));
  }
  const trust = {
    comment: 'DEMO trust store: trusts only the publicly known DEMO key. Never use in production.',
    keys: [{ name: DEMO_KEY_NAME, keyId: ed25519KeyId(publicKey), publicKey: pubPem }],
  };
  write(path.join(catalogDir, 'trust.json'), JSON.stringify(trust, null, 2) + '\n');
  return { files };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const i = process.argv.indexOf('--out');
  const root = i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources');
  const { files } = makeDemoCatalog(root);
  for (const f of files) process.stdout.write(`wrote ${path.relative(process.cwd(), f)}\n`);
}
