import { describe, expect, it } from 'vitest';
import { isValidImei, luhnCheckDigit, simulatedDevId } from '../../../src/simulator/identity';
import { parseSimulateArgs } from '../../../src/main/demo/simulate-command';
import { UsageError } from '../../../src/main/cli/command';
import { commands } from '../../../src/main/cli/commands';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers';

describe('simulated identities', () => {
  it('computes the Luhn digit of a published IMEI example', () => {
    // 49015420323751-8 is the IMEI example of the GSM Association's numbering docs.
    expect(luhnCheckDigit('49015420323751')).toBe(8);
    expect(isValidImei('490154203237518')).toBe(true);
    expect(isValidImei('490154203237519')).toBe(false);
  });

  it('gives every index a distinct, stable, valid IMEI', () => {
    const ids = Array.from({ length: 50 }, (_, i) => simulatedDevId(i));
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) {
      expect(id).toMatch(/^IMEI:\d{15}$/);
      expect(isValidImei(id.slice(5))).toBe(true);
    }
    expect(simulatedDevId(3)).toBe(ids[3]);
  });
});

describe('fumo-kiosk simulate arguments', () => {
  it('is registered as a subcommand', () => {
    expect(commands.map((c) => c.name)).toContain('simulate');
  });

  it('parses every option', () => {
    const a = parseSimulateArgs(['--devices', '3', '--link', 'http', '--server', 'http://127.0.0.1:9/dm', '--fw', '2.0', '--model=X1', '--faults', 'battery-low,throttle:115200', '--state', '/tmp/x', '--reboot-ms', '10', '--fumo-path', './ManagedObjects/FUMO/x']);
    expect(a).toMatchObject({ devices: 3, link: 'http', server: 'http://127.0.0.1:9/dm', fw: '2.0', model: 'X1', state: '/tmp/x', rebootMs: 10, fumoPath: './ManagedObjects/FUMO/x' });
    expect(a.faults).toEqual([
      { kind: 'battery-low', percent: 12 },
      { kind: 'throttle', baud: 115200 },
    ]);
  });

  it('parses --ask-after as seconds and refuses anything else', () => {
    expect(parseSimulateArgs(['--ask-after', '2.5']).askAfterSeconds).toBe(2.5);
    expect(parseSimulateArgs([]).askAfterSeconds).toBeUndefined();
    expect(() => parseSimulateArgs(['--ask-after', 'soon'])).toThrow(/--ask-after takes a number of seconds/);
    expect(() => parseSimulateArgs(['--ask-after', '-1'])).toThrow(UsageError);
  });

  it('refuses bad input with a usage error', () => {
    expect(() => parseSimulateArgs(['--devices', '0'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--link', 'carrier-pigeon'])).toThrow(/serial, http or usb-standin/);
    expect(() => parseSimulateArgs(['--link', 'http'])).toThrow(/--server/);
    expect(() => parseSimulateArgs(['--faults', 'meltdown'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--bogus'])).toThrow(/unknown option/);
    expect(() => parseSimulateArgs(['--user', 'maybe'])).toThrow(/--user/);
    expect(parseSimulateArgs(['--user', 'no'])).toMatchObject({ answer: 'no', interactive: false, userChosen: true });
  });

  it('reads a smart card file and refuses one without its flags', () => {
    const dir = tempDir('card-');
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ account: { serverId: 'op', clientName: 'c', clientSecret: 'p', serverSecret: 's', name: 'Operator' }, userConfirmation: true, connectAutonomously: false }));
    expect(parseSimulateArgs(['--smart-card', good]).smartCard).toEqual({
      account: { serverId: 'op', clientName: 'c', clientSecret: 'p', serverSecret: 's', name: 'Operator' },
      userConfirmation: true,
      connectAutonomously: false,
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ account: { serverId: 'op', clientName: 'c', clientSecret: 'p', serverSecret: 's' } }));
    expect(() => parseSimulateArgs(['--smart-card', bad])).toThrow(/userConfirmation must be true or false/);
  });
});
