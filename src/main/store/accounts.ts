import type { AuthAccount, AuthAccountStore } from '../../core/dm/auth';
import { KioskError } from '../../core/errors';
import { dbError, type StoreContext } from './context';
import { isSealed, seal, unseal, type SecretBox } from './secrets';

/** Fields a freshly bootstrapped account may preset; secrets and nonces are generated when absent. */
export type AccountSeed = Pick<AuthAccount, 'deviceId' | 'serverId'> & Partial<Omit<AuthAccount, 'deviceId' | 'serverId'>>;

/**
 * Per-device DM accounts (credentials both ways and the current nonces). Implements
 * AuthAccountStore of src/core/dm/auth.ts; every put is committed before it resolves, so a
 * rotated nonce is never lost. Each row's data is sealed with AES-256-GCM under the SecretBox's
 * key, bound to its device and server id; rows written before sealing are sealed on open.
 */
export class AccountStore implements AuthAccountStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly box: SecretBox,
  ) {}

  private static aad(deviceId: string, serverId: string): string {
    return `fumo-kiosk account\0${deviceId}\0${serverId}`;
  }

  private decode(r: { device_id: string; server_id: string; data: string }): AuthAccount {
    const text = isSealed(r.data) ? unseal(this.box, r.data, AccountStore.aad(r.device_id, r.server_id)) : r.data;
    return JSON.parse(text) as AuthAccount;
  }

  /** Seal rows stored in plain text by an older kiosk; returns how many. */
  sealPlainRows(): number {
    const rows = this.ctx.db.prepare("SELECT device_id, server_id, data FROM accounts WHERE data NOT LIKE 'enc1:%'").all() as { device_id: string; server_id: string; data: string }[];
    if (rows.length === 0) return 0;
    const stmt = this.ctx.db.prepare('UPDATE accounts SET data = ? WHERE device_id = ? AND server_id = ?');
    try {
      this.ctx.db.transaction(() => {
        for (const r of rows) stmt.run(seal(this.box, r.data, AccountStore.aad(r.device_id, r.server_id)), r.device_id, r.server_id);
      })();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    return rows.length;
  }

  getSync(deviceId: string, serverId: string): AuthAccount | undefined {
    const r = this.ctx.db.prepare('SELECT device_id, server_id, data FROM accounts WHERE device_id = ? AND server_id = ?').get(deviceId, serverId) as
      | { device_id: string; server_id: string; data: string }
      | undefined;
    return r ? this.decode(r) : undefined;
  }

  putSync(account: AuthAccount): void {
    if (!account.deviceId || !account.serverId) throw new KioskError('INVALID_REQUEST', { detail: 'an account needs deviceId and serverId' });
    try {
      this.ctx.db
        .prepare(
          `INSERT INTO accounts (device_id, server_id, data, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(device_id, server_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
        )
        .run(account.deviceId, account.serverId, seal(this.box, JSON.stringify(account), AccountStore.aad(account.deviceId, account.serverId)), this.ctx.clock.now());
    } catch (e) {
      throw dbError(this.ctx, e);
    }
  }

  get(deviceId: string, serverId: string): Promise<AuthAccount | undefined> {
    try {
      return Promise.resolve(this.getSync(deviceId, serverId));
    } catch (e) {
      return Promise.reject(dbError(this.ctx, e));
    }
  }

  put(account: AuthAccount): Promise<void> {
    try {
      this.putSync(account);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(dbError(this.ctx, e));
    }
  }

  /** Accounts of one device (any server id), or all accounts. */
  list(deviceId?: string): AuthAccount[] {
    const rows = (
      deviceId === undefined
        ? this.ctx.db.prepare('SELECT device_id, server_id, data FROM accounts ORDER BY device_id, server_id').all()
        : this.ctx.db.prepare('SELECT device_id, server_id, data FROM accounts WHERE device_id = ? ORDER BY server_id').all(deviceId)
    ) as { device_id: string; server_id: string; data: string }[];
    return rows.map((r) => this.decode(r));
  }

  remove(deviceId: string, serverId: string): boolean {
    return this.ctx.db.prepare('DELETE FROM accounts WHERE device_id = ? AND server_id = ?').run(deviceId, serverId).changes > 0;
  }

  /**
   * The account for a device, created at bootstrap when missing: random secrets (24 bytes,
   * base64url) and random nonces (16 bytes, base64) from the store's RandomSource.
   */
  ensure(seed: AccountSeed): AuthAccount {
    const existing = this.getSync(seed.deviceId, seed.serverId);
    if (existing) return existing;
    const r = (n: number) => Buffer.from(this.ctx.random.bytes(n));
    const account: AuthAccount = {
      deviceId: seed.deviceId,
      serverId: seed.serverId,
      clientName: seed.clientName ?? seed.deviceId,
      clientSecret: seed.clientSecret ?? r(24).toString('base64url'),
      serverName: seed.serverName ?? seed.serverId,
      serverSecret: seed.serverSecret ?? r(24).toString('base64url'),
      clientNonce: seed.clientNonce ?? r(16).toString('base64'),
      serverNonce: seed.serverNonce ?? r(16).toString('base64'),
      ...(seed.authType !== undefined ? { authType: seed.authType } : {}),
    };
    this.putSync(account);
    return account;
  }
}
