import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/main/cli/command';
import { matchesDevice, parseUpdateArgs, UPDATE_EXIT } from '../../../src/main/cli/commands/update';
import { parseDevicesArgs } from '../../../src/main/cli/commands/devices';
import { main } from '../../../src/main/cli/index';
import type { DeviceView } from '../../../src/shared/schemas';

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      stdin: process.stdin,
    },
    out: () => out,
    err: () => err,
  };
}

describe('update command arguments', () => {
  it('needs exactly one of --device and --all', () => {
    expect(() => parseUpdateArgs([])).toThrow(UsageError);
    expect(() => parseUpdateArgs(['--all', '--device', 'x'])).toThrow(/exactly one/);
    expect(parseUpdateArgs(['--all'])).toMatchObject({ all: true, consent: 'customer', schedule: undefined, json: false });
    expect(parseUpdateArgs(['--device', '2800', '--consent', 'operator', '--schedule', 'later', '--bundle', 'b1', '--json', '--data', '/d'])).toMatchObject({
      device: '2800',
      consent: 'operator',
      schedule: 'later',
      bundle: 'b1',
      json: true,
      dataDir: '/d',
    });
    expect(() => parseUpdateArgs(['--all', '--consent', 'nobody'])).toThrow(/customer or operator/);
    expect(() => parseUpdateArgs(['--all', '--schedule', 'tomorrow'])).toThrow(/now or later/);
    expect(() => parseUpdateArgs(['--all', '--frobnicate'])).toThrow(/unknown option/);
  });

  it('exit codes are documented in --help', async () => {
    const t = io();
    expect(await main(['update', '--help'], t.io)).toBe(0);
    for (const [code, word] of [[UPDATE_EXIT.OK, 'up to date'], [UPDATE_EXIT.FAILED, 'failed'], [UPDATE_EXIT.USAGE, 'bad arguments'], [UPDATE_EXIT.DECLINED, 'declined']] as const) {
      expect(t.out()).toMatch(new RegExp(`\\n  ${code}  [^\\n]*${word}`));
    }
    const bad = io();
    expect(await main(['update'], bad.io)).toBe(2);
    expect(bad.err()).toContain('exactly one');
  });

  it('picks a device by port id, DevId, DevId without scheme, or its last digits', () => {
    const d = { portId: 'sim:abc' } as DeviceView;
    const id = 'IMEI:493005100592800';
    expect(matchesDevice(d, id, 'sim:abc')).toBe(true);
    expect(matchesDevice(d, id, id)).toBe(true);
    expect(matchesDevice(d, id, '493005100592800')).toBe(true);
    expect(matchesDevice(d, id, '2800')).toBe(true);
    expect(matchesDevice(d, id, '800')).toBe(false);
    expect(matchesDevice(d, id, '1111')).toBe(false);
    expect(matchesDevice(d, undefined, '2800')).toBe(false);
  });
});

describe('devices command arguments', () => {
  it('parses --json, --data, --scan-ms and --demo', () => {
    expect(parseDevicesArgs(['--json', '--data', '/x', '--scan-ms', '10'])).toEqual({ json: true, dataDir: '/x', scanMs: 10, demo: false });
    expect(parseDevicesArgs(['--demo']).demo).toBe(true);
    expect(() => parseDevicesArgs(['--scan-ms', 'soon'])).toThrow(UsageError);
  });
});
