/**
 * The bench's ports as an administrator set them up: per port, the device profile a phone on it
 * is opened with and the slot name people read on its card ("Slot 3"). A port is named as the
 * scanner sees it: a serial device path (/dev/ttyUSB0), better its stable /dev/serial/by-id name,
 * a cable's serial number (sn:A12345), a USB port path (1-3.4) or a port id (usb:1-3.4).
 * Every change is recorded in the history.
 */
import { KioskError } from '../../core/errors';
import { SLOT_NAME_MAX_LENGTH } from '../../shared/bench-ports';
import type { AuditStore } from './audit';
import { dbError, requireAdmin, type Actor, type StoreContext } from './context';

export interface PortAssignment {
  port: string;
  /** The device profile a phone on this port is opened with; null: the one its VID:PID picks. */
  profileId: string | null;
  /** The bench slot's name; null: the screens show the port's path. */
  slot: string | null;
  updatedAt: number;
  updatedBy: string;
}

interface Row {
  port: string;
  profile_id: string | null;
  slot: string | null;
  updated_at: number;
  updated_by: string;
}

function toAssignment(r: Row): PortAssignment {
  return { port: r.port, profileId: r.profile_id, slot: r.slot, updatedAt: r.updated_at, updatedBy: r.updated_by };
}

/** The ways a port can be named (see the module comment). */
const PORT_FORMS: RegExp[] = [
  /^\/dev\/[\w.:+@/-]+$/,
  /^COM\d{1,3}$/i,
  /^\d+-\d+(\.\d+)*$/,
  /^\d+@\d+$/,
  /^sn:[\w.:+-]+$/,
  /^(serial|usb|sim|http):\S+$/,
];

/** The port name as stored, or PORT_NAME_INVALID. */
export function checkPortName(port: string): string {
  const p = port.trim();
  if (p.length === 0 || p.length > 200 || !PORT_FORMS.some((re) => re.test(p))) throw new KioskError('PORT_NAME_INVALID', { detail: p.slice(0, 80) || '""' });
  return p;
}

/** The slot name as stored (trimmed; empty means none), or SLOT_NAME_INVALID. */
export function checkSlotName(slot: string | null | undefined): string | null {
  if (slot === null || slot === undefined) return null;
  const s = slot.trim();
  if (s.length === 0) return null;
  // Line breaks and other control characters would break a card, a CSV row or a receipt line.
  // eslint-disable-next-line no-control-regex
  if (s.length > SLOT_NAME_MAX_LENGTH || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new KioskError('SLOT_NAME_INVALID', { required: SLOT_NAME_MAX_LENGTH, measured: s.length });
  }
  return s;
}

export class PortAssignmentStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditStore,
  ) {}

  list(): PortAssignment[] {
    try {
      return (this.ctx.db.prepare('SELECT * FROM port_assignments ORDER BY port').all() as Row[]).map(toAssignment);
    } catch (e) {
      throw dbError(this.ctx, e);
    }
  }

  get(port: string): PortAssignment | undefined {
    const r = this.ctx.db.prepare('SELECT * FROM port_assignments WHERE port = ?').get(port.trim()) as Row | undefined;
    return r ? toAssignment(r) : undefined;
  }

  /**
   * Assign a port (admin only): its profile and slot name, replacing what it had. Giving neither
   * removes the assignment. The caller checks that the profile exists.
   */
  assign(port: string, what: { profileId?: string | null | undefined; slot?: string | null | undefined }, actor: Actor): PortAssignment | undefined {
    requireAdmin(actor, 'assign ports to bench slots');
    const p = checkPortName(port);
    const slot = checkSlotName(what.slot);
    const profileId = what.profileId?.trim() || null;
    if (profileId === null && slot === null) {
      this.unassign(p, actor);
      return undefined;
    }
    const now = this.ctx.clock.now();
    try {
      this.ctx.db
        .prepare(
          `INSERT INTO port_assignments (port, profile_id, slot, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(port) DO UPDATE SET profile_id = excluded.profile_id, slot = excluded.slot, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(p, profileId, slot, now, actor.name);
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    this.audit.recordEvent('port-assigned', { port: p, profileId, slot }, actor.name);
    return { port: p, profileId, slot, updatedAt: now, updatedBy: actor.name };
  }

  /** Remove a port's assignment (admin only); false when it had none. */
  unassign(port: string, actor: Actor): boolean {
    requireAdmin(actor, 'assign ports to bench slots');
    const p = checkPortName(port);
    let changes: number;
    try {
      changes = this.ctx.db.prepare('DELETE FROM port_assignments WHERE port = ?').run(p).changes;
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    if (changes > 0) this.audit.recordEvent('port-unassigned', { port: p }, actor.name);
    return changes > 0;
  }
}
