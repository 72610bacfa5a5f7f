import type { AuthAccount, AuthAccountStore } from '../../core/dm/auth';
import { KioskError } from '../../core/errors';
import { entryMatches, secretsFor, type AccountEntry } from './account-file';
import { dbError, type StoreContext } from './context';
import { isSealed, seal, unseal, type SecretBox } from './secrets';

/** What `accounts list` shows of an account or rule: never a secret. */
export interface AccountSummary {
  /** The DevId, the IMEI range "from-to", or "*" for every phone. */
  phones: string;
  serverId: string;
  clientAuthType: string;
  serverAuthType: string;
  clientName: string;
  /** 'account': one phone's credentials; 'rule': credentials derived or shared per phone when it calls. */
  kind: 'account' | 'rule';
  credentials: 'given' | 'derived';
  updatedAt: number;
}

export interface AccountImportResult {
  accounts: number;
  rules: number;
}

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
    // Plain rows are JSON objects; sealed ones (by either kind of box) start with their prefix.
    const all = this.ctx.db.prepare('SELECT device_id, server_id, data FROM accounts').all() as { device_id: string; server_id: string; data: string }[];
    const rows = all.filter((r) => !isSealed(r.data));
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

  private static ruleAad(ruleKey: string, serverId: string): string {
    return `fumo-kiosk account rule\0${ruleKey}\0${serverId}`;
  }

  private static ruleKey(e: AccountEntry): string {
    const m = e.match;
    return `${m.kind === 'imei-range' ? `imei:${m.from}-${m.to}` : m.kind === 'any' ? 'any' : `dev:${m.devId}`}\0${e.serverId}`;
  }

  private nonce(): string {
    return Buffer.from(this.ctx.random.bytes(16)).toString('base64');
  }

  private accountOf(e: AccountEntry, devId: string): AuthAccount {
    return {
      deviceId: devId,
      serverId: e.serverId,
      ...secretsFor(e, devId),
      clientNonce: e.clientNonce ?? this.nonce(),
      serverNonce: e.serverNonce ?? this.nonce(),
      authType: e.clientAuthType,
      serverAuthType: e.serverAuthType,
    };
  }

  /**
   * Import checked entries (parseAccountFile) in one transaction: a phone's account replaces the
   * one it had under that ServerID; a range or derivation rule replaces the same rule. Either all
   * entries are stored or, on a failure, none.
   */
  importEntries(entries: AccountEntry[]): AccountImportResult {
    const result: AccountImportResult = { accounts: 0, rules: 0 };
    const putRule = this.ctx.db.prepare(
      `INSERT INTO account_rules (rule_key, seq, server_id, data, created_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM account_rules), ?, ?, ?)
       ON CONFLICT(rule_key) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
    );
    try {
      this.ctx.db.transaction(() => {
        for (const e of entries) {
          if (e.match.kind === 'device') {
            this.putSync(this.accountOf(e, e.match.devId));
            result.accounts++;
          } else {
            const key = AccountStore.ruleKey(e);
            const { where: _where, ...rule } = e;
            putRule.run(key, e.serverId, seal(this.box, JSON.stringify(rule), AccountStore.ruleAad(key, e.serverId)), this.ctx.clock.now());
            result.rules++;
          }
        }
      })();
    } catch (e) {
      if (e instanceof KioskError) throw e;
      throw dbError(this.ctx, e);
    }
    return result;
  }

  private rules(): AccountEntry[] {
    const rows = this.ctx.db.prepare('SELECT rule_key, server_id, data FROM account_rules ORDER BY seq').all() as { rule_key: string; server_id: string; data: string }[];
    return rows.map((r) => ({ where: 'stored rule', ...(JSON.parse(unseal(this.box, r.data, AccountStore.ruleAad(r.rule_key, r.server_id))) as Omit<AccountEntry, 'where'>) }));
  }

  /**
   * The account a phone holds under any ServerID: its own stored account (the most recently
   * written first), else one made from the first imported rule that covers its DevId (stored,
   * so its nonces rotate from then on).
   */
  findForDeviceSync(deviceId: string): AuthAccount | undefined {
    try {
      const row = this.ctx.db.prepare('SELECT device_id, server_id, data FROM accounts WHERE device_id = ? ORDER BY updated_at DESC LIMIT 1').get(deviceId) as
        | { device_id: string; server_id: string; data: string }
        | undefined;
      if (row) return this.decode(row);
      const rule = this.rules().find((e) => entryMatches(e, deviceId));
      if (!rule) return undefined;
      const account = this.accountOf(rule, deviceId);
      this.putSync(account);
      return account;
    } catch (e) {
      if (e instanceof KioskError) throw e;
      throw dbError(this.ctx, e);
    }
  }

  findForDevice(deviceId: string): Promise<AuthAccount | undefined> {
    try {
      return Promise.resolve(this.findForDeviceSync(deviceId));
    } catch (e) {
      return Promise.reject(e instanceof KioskError ? e : dbError(this.ctx, e));
    }
  }

  /** Every account and rule, without secrets. */
  summaries(): AccountSummary[] {
    const accounts = this.ctx.db.prepare('SELECT device_id, server_id, data, updated_at FROM accounts ORDER BY device_id, server_id').all() as {
      device_id: string;
      server_id: string;
      data: string;
      updated_at: number;
    }[];
    const out: AccountSummary[] = accounts.map((r) => {
      const a = this.decode(r);
      return {
        phones: a.deviceId,
        serverId: a.serverId,
        clientAuthType: a.authType ?? 'md5',
        serverAuthType: a.serverAuthType ?? a.authType ?? 'md5',
        clientName: a.clientName,
        kind: 'account',
        credentials: 'given',
        updatedAt: r.updated_at,
      };
    });
    const rules = this.ctx.db.prepare('SELECT rule_key, server_id, data, created_at FROM account_rules ORDER BY seq').all() as {
      rule_key: string;
      server_id: string;
      data: string;
      created_at: number;
    }[];
    for (const r of rules) {
      const e = JSON.parse(unseal(this.box, r.data, AccountStore.ruleAad(r.rule_key, r.server_id))) as Omit<AccountEntry, 'where'>;
      out.push({
        phones: e.match.kind === 'imei-range' ? `IMEI ${e.match.from}-${e.match.to}` : '*',
        serverId: e.serverId,
        clientAuthType: e.clientAuthType,
        serverAuthType: e.serverAuthType,
        clientName: e.clientName ?? '(the DevId)',
        kind: 'rule',
        credentials: e.credentials.kind === 'derived' ? 'derived' : 'given',
        updatedAt: r.created_at,
      });
    }
    return out;
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
