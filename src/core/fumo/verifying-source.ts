/**
 * The payload as the session pulls it: hashed and checked in order as it goes, so a corrupt
 * stored bundle is caught before its last bytes reach the phone (the Exec is never sent for
 * bytes the kiosk has not verified).
 */
import { createHash, type Hash } from 'node:crypto';
import { KioskError } from '../errors';
import type { LargeObjectSource } from '../session/api';
import type { PayloadReader, PayloadVerifier } from './ports';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of the sent bytes against an expected value (when the catalogue gives no verifier). */
export function sha256Verifier(expectedHex: string): PayloadVerifier {
  const hash: Hash = createHash('sha256');
  return {
    failed: false,
    update(chunk: Uint8Array): void {
      hash.update(chunk);
    },
    finish(): string | undefined {
      const got = hex(hash.digest());
      return got === expectedHex.toLowerCase() ? undefined : `SHA-256 ${got.slice(0, 16)}... does not match the catalogue's ${expectedHex.slice(0, 16)}...`;
    },
  };
}

/** Verifies the payload in order as the session pulls it, and refuses to hand out the last bytes of a corrupt payload. */
export class VerifyingSource implements LargeObjectSource {
  private verifiedUpTo = 0;
  private finished = false;
  bytesRead = 0;

  constructor(
    private readonly reader: PayloadReader,
    private readonly verifier: PayloadVerifier,
  ) {}

  get size(): number {
    return this.reader.size;
  }

  get complete(): boolean {
    return this.finished;
  }

  /** Verify [0, offset) before a resumed transfer starts at `offset`. */
  async prime(offset: number): Promise<void> {
    await this.verifyUpTo(offset);
  }

  private corrupt(detail: string): KioskError {
    return new KioskError('PAYLOAD_CORRUPT', { detail, fumoResultCode: 402 });
  }

  private feed(bytes: Uint8Array): void {
    this.verifier.update(bytes);
    this.verifiedUpTo += bytes.length;
    if (this.verifier.failed) throw this.corrupt(this.verifier.finish() ?? 'the stored update is damaged');
    if (this.verifiedUpTo >= this.reader.size && !this.finished) {
      this.finished = true;
      const problem = this.verifier.finish();
      if (problem !== undefined) throw this.corrupt(problem);
    }
  }

  private async verifyUpTo(end: number): Promise<void> {
    const step = 1 << 20;
    while (this.verifiedUpTo < end) {
      const n = Math.min(step, end - this.verifiedUpTo);
      const bytes = await this.reader.read(this.verifiedUpTo, n);
      if (bytes.length === 0) throw this.corrupt('the stored update ends early');
      this.feed(bytes);
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset > this.verifiedUpTo) await this.verifyUpTo(offset);
    const bytes = await this.reader.read(offset, length);
    const end = offset + bytes.length;
    if (offset <= this.verifiedUpTo && end > this.verifiedUpTo) this.feed(bytes.subarray(this.verifiedUpTo - offset));
    this.bytesRead += bytes.length;
    return bytes;
  }
}

