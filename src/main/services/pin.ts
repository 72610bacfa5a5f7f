/**
 * Technician and administrator PINs, kept only as salted scrypt hashes in the data folder
 * (<dataDir>/pins.json). The demo PIN 1234 exists only when the kiosk runs in demo mode.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type PinRole = 'technician' | 'admin';

interface PinRecord {
  role: PinRole;
  name: string;
  salt: string;
  hash: string;
}

export const DEMO_PIN = '1234';

function hashPin(pin: string, salt: Buffer): Buffer {
  return scryptSync(pin, salt, 32, { N: 16384, r: 8, p: 1 });
}

export class PinStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'pins.json');
  }

  private read(): PinRecord[] {
    if (!existsSync(this.file)) return [];
    try {
      const v: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return Array.isArray(v) ? (v as PinRecord[]) : [];
    } catch {
      return [];
    }
  }

  private write(records: PinRecord[]): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(records, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** Set (or replace) the PIN of a named user. */
  set(name: string, role: PinRole, pin: string): void {
    const salt = randomBytes(16);
    const rec: PinRecord = { role, name, salt: salt.toString('hex'), hash: hashPin(pin, salt).toString('hex') };
    this.write([...this.read().filter((r) => r.name !== name), rec]);
  }

  has(name: string): boolean {
    return this.read().some((r) => r.name === name);
  }

  /** The user the PIN belongs to, or undefined. */
  check(pin: string): { name: string; role: PinRole } | undefined {
    for (const r of this.read()) {
      const h = hashPin(pin, Buffer.from(r.salt, 'hex'));
      const expected = Buffer.from(r.hash, 'hex');
      if (expected.length === h.length && timingSafeEqual(expected, h)) return { name: r.name, role: r.role };
    }
    return undefined;
  }
}
