/**
 * Every KioskApi method called through the hosts' dispatch by every kind of screen: the
 * customer display, a bench nobody logged in to, a technician's and an administrator's bench.
 * The expectations are written out here, not read from the table, so a change to the table
 * that opens a door shows up as a failing row.
 */
import { describe, expect, it } from 'vitest';
import {
  KIOSK_METHODS,
  ok,
  type CallerAccess,
  type KioskConnection,
  type KioskMethod,
} from '../../../src/shared/api';
import { dispatchRequest } from '../../../src/main/hosts/dispatch';

type Who = 'customer' | 'bench' | 'technician' | 'admin';

/** What each screen may call. */
const MAY: Record<Who, readonly KioskMethod[]> = {
  // history.receiptCode and history.print: past the door, the backend gives the customer display its own update's receipt only.
  customer: [
    'getSnapshot',
    'consent.pending',
    'consent.answer',
    'auth.logout',
    'auth.session',
    'settings.get',
    'history.receiptCode',
    'history.print',
  ],
  bench: ['getSnapshot', 'auth.login', 'auth.logout', 'auth.session', 'settings.get'],
  technician: KIOSK_METHODS.filter(
    (m) =>
      ![
        'catalog.import',
        'catalog.remove',
        'trust.add',
        'trust.remove',
        'people.list',
        'people.setPin',
        'people.remove',
        'people.unlock',
        'settings.set',
        'settings.printers',
        'ports.assign',
        'ports.unassign',
        'history.export',
      ].includes(m),
  ),
  admin: KIOSK_METHODS,
};

const ACCESS: Record<Who, CallerAccess> = {
  customer: { capability: 'customer', role: null },
  bench: { capability: 'bench', role: null },
  technician: { capability: 'bench', role: 'technician' },
  admin: { capability: 'bench', role: 'admin' },
};

/** A connection whose every method answers ok and notes that it ran. */
function recordingConnection(access: CallerAccess, ran: string[]): KioskConnection {
  const api: Record<string, unknown> = { access: () => access, sees: () => true, close: () => undefined };
  for (const m of KIOSK_METHODS) {
    const call = async () => {
      ran.push(m);
      return ok(null);
    };
    if (m.includes('.')) {
      const [g, n] = m.split('.') as [string, string];
      ((api[g] ??= {}) as Record<string, unknown>)[n] = call;
    } else api[m] = call;
  }
  return api as unknown as KioskConnection;
}

const rows = (Object.keys(MAY) as Who[]).flatMap((who) => KIOSK_METHODS.map((m) => [who, m] as const));

describe('who may call what (dispatch against METHOD_ACCESS)', () => {
  it.each(rows)('%s calls %s', async (who, method) => {
    const ran: string[] = [];
    const result = await dispatchRequest(recordingConnection(ACCESS[who], ran), method, undefined);
    const allowed = MAY[who].includes(method);
    if (allowed) {
      // Allowed: it gets past the door (to the method, or to the argument check).
      expect(
        result.ok || !['UNAUTHORIZED', 'ADMIN_REQUIRED', 'NOT_ALLOWED'].includes(result.error.code),
      ).toBe(true);
    } else {
      expect(result.ok).toBe(false);
      expect(ran).toEqual([]);
      const code = result.ok ? '' : result.error.code;
      expect(code).toBe(
        who === 'customer' ? 'NOT_ALLOWED' : who === 'technician' ? 'ADMIN_REQUIRED' : 'UNAUTHORIZED',
      );
    }
  });

  it('the refusal says in plain words what only an administrator may do', async () => {
    const result = await dispatchRequest(recordingConnection(ACCESS.technician, []), 'history.export', {
      format: 'csv',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe(
      'Only an administrator may export the history with full device ids. Ask an administrator to do it.',
    );
  });

  it("a technician may list the bench ports; naming a slot is an administrator's", async () => {
    const ran: string[] = [];
    expect(
      (await dispatchRequest(recordingConnection(ACCESS.technician, ran), 'ports.list', undefined)).ok,
    ).toBe(true);
    const result = await dispatchRequest(recordingConnection(ACCESS.technician, ran), 'ports.assign', {
      port: '/dev/ttyUSB0',
      slot: 'Slot 3',
    });
    expect(!result.ok && result.error.message).toBe(
      'Only an administrator may assign ports to bench slots. Ask an administrator to do it.',
    );
    expect(ran).toEqual(['ports.list']);
  });

  it('a technician who tries to set a PIN is told that only an administrator may, and the method never runs', async () => {
    const ran: string[] = [];
    const result = await dispatchRequest(recordingConnection(ACCESS.technician, ran), 'people.setPin', {
      name: 'ben',
      role: 'admin',
      pin: '48291733',
    });
    expect(ran).toEqual([]);
    expect(!result.ok && result.error.message).toBe(
      'Only an administrator may set PINs. Ask an administrator to do it.',
    );
  });
});
