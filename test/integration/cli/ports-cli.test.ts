/**
 * `fumo-kiosk ports` as a real process on a data folder: assign a port a profile and a slot name,
 * list it (with a header), refuse bad input with exit 2 and a message that says what to do, and
 * unassign it; every change is in the history.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';
import { cliChildren } from '../../support/cli-children';

const { root, run, stop } = cliChildren('fumo-ports-cli-');
const data = path.join(root, 'kiosk');

afterAll(() => {
  stop();
  rmSync(root, { recursive: true, force: true });
});

describe('fumo-kiosk ports', () => {
  it('--help explains the names of ports and the exit codes', async () => {
    const r = await run(['ports', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fumo-kiosk ports assign PORT [--profile ID] [--slot NAME]');
    expect(r.stdout).toContain('/dev/serial/by-id/');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('assigns, lists with a header, refuses bad input, and unassigns', async () => {
    const assigned = await run(['ports', 'assign', '/dev/ttyUSB7', '--profile', 'generic-serial', '--slot', 'Slot 3', '--data', data]);
    expect(assigned.stderr).toBe('');
    expect(assigned.code).toBe(0);
    expect(assigned.stdout).toBe('Port /dev/ttyUSB7: slot Slot 3, profile generic-serial.\n');

    const list = await run(['ports', '--data', data]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PORT\s+SLOT\s+PROFILE\s+HOW\s+ATTACHED\s+VID:PID\s+SERIAL$/);
    const row = lines.find((l) => l.startsWith('/dev/ttyUSB7 '));
    expect(row?.split(/\s{2,}/)).toEqual(['/dev/ttyUSB7', 'Slot 3', 'generic-serial', 'assigned', 'no', '-', '-']);
    expect(lines.at(-1)).toMatch(/^Profiles: .*generic-serial/);

    const json = await run(['ports', '--json', '--data', data]);
    const parsed = JSON.parse(json.stdout) as { ports: { port: string; slot: string | null; attached: boolean }[] };
    expect(parsed.ports.find((p) => p.port === '/dev/ttyUSB7')).toMatchObject({ slot: 'Slot 3', attached: false });

    const long = await run(['ports', 'assign', '/dev/ttyUSB7', '--slot', 'x'.repeat(41), '--data', data]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('A slot name is 1 to 40 characters on one line; this one has 41. Shorten it and save again. [SLOT_NAME_INVALID]');
    const unknown = await run(['ports', 'assign', '/dev/ttyUSB7', '--profile', 'no-such-phone', '--data', data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No device profile no-such-phone is installed on this kiosk. Choose one of the listed profiles and save again. [PROFILE_NOT_FOUND]');
    const badPort = await run(['ports', 'assign', 'printer', '--slot', 'Slot 1', '--data', data]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('[PORT_NAME_INVALID]');
    const nothing = await run(['ports', 'assign', '/dev/ttyUSB7', '--data', data]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('ports assign needs --profile ID, --slot NAME or both');

    const gone = await run(['ports', 'unassign', '/dev/ttyUSB7', '--data', data]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toBe('Port /dev/ttyUSB7: its profile and slot name are removed.\n');
    const after = await run(['ports', '--json', '--data', data]);
    expect((JSON.parse(after.stdout) as { ports: { port: string }[] }).ports.map((p) => p.port)).not.toContain('/dev/ttyUSB7');

    const store = openStore(data);
    try {
      expect(store.audit.events().map((e) => [e.type, e.data.port])).toEqual([
        ['port-unassigned', '/dev/ttyUSB7'],
        ['port-assigned', '/dev/ttyUSB7'],
      ]);
      expect(store.audit.events()[0]!.actor).toMatch(/\(command line\)$/);
    } finally {
      store.close();
    }
  });
});
