import { PassThrough } from 'node:stream';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSimulateArgs, startFromArgs } from '../../../src/main/demo/simulate-command';
import { listSimulatedDevices } from '../../../src/transport/sim-registry';
import { demoDeviceSpecs, startSimulation } from '../../../src/simulator/simulation';
import { isValidImei } from '../../../src/simulator/identity';
import { tempDir } from '../../unit/simulator/helpers';

describe('fumo-kiosk simulate', () => {
  it('starts N phones on ptys, one line each, announced; stopping withdraws them and closes the ptys', async () => {
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (c: Buffer) => (printed += c.toString()));
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough() };
    const sim = await startFromArgs(parseSimulateArgs(['--devices', '3', '--state', tempDir('sim-cli-'), '--faults', 'battery-low']), io);
    try {
      const lines = printed.trim().split('\n');
      expect(lines).toHaveLength(3);
      const paths = lines.map((l) => l.split(' ').at(-1)!);
      for (const [i, line] of lines.entries()) {
        // Without --model/--fw the phones are the demo catalogue's: FK-Demo Phone on 1.0.0.
        const m = /^(IMEI:\d+) (.+) fw (\S+) (\S+) /.exec(line);
        expect(m, line).not.toBeNull();
        const [, devId, model, fw, link] = m!;
        expect(isValidImei(devId!.replace('IMEI:', ''))).toBe(true);
        expect([model, fw, link]).toEqual(['FK-Demo Phone', '1.0.0', 'serial']);
        expect(existsSync(paths[i]!)).toBe(true);
      }
      expect(new Set(paths).size).toBe(3);
      expect(listSimulatedDevices(registry).map((e) => e.path).sort()).toEqual([...paths].sort());
      const h = sim.devices[0]!.device;
      expect((await h.handlerFor('fumo-kiosk').get('./DevDetail/Ext/Battery')).values?.[0]?.data).toBe('12');
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
    expect(listSimulatedDevices(registry)).toEqual([]);
  });

  it('--ask-after: the phone opens a session by itself (client-initiated, with its user request) on its idle cable', async () => {
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (c: Buffer) => (printed += c.toString()));
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough() };
    const sim = await startFromArgs(parseSimulateArgs(['--devices', '1', '--state', tempDir('sim-cli-'), '--ask-after', '0', '--user', 'yes']), io);
    try {
      const phone = sim.devices[0]!.device;
      const started = await new Promise<{ initiator: string }>((resolve) => phone.once('session-start', resolve));
      expect(started.initiator).toBe('client');
      expect(printed).toContain(`${sim.devices[0]!.devId} asks for an update`);
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
  }, 60_000);

  it('demo mode: one up to date, one ready to update, one with a low battery', async () => {
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const sim = await startSimulation({ devices: demoDeviceSpecs({ currentVersion: '1.0.3', latestVersion: '1.1.0' }), link: 'serial', stateDir: tempDir('sim-demo-') });
    try {
      expect(sim.devices.map((d) => [d.label, d.device.fwVersion, d.device.batteryPercent < 20])).toEqual([
        ['up to date', '1.1.0', false],
        ['ready to update', '1.0.3', false],
        ['low battery', '1.0.3', true],
      ]);
      expect(listSimulatedDevices(registry)).toHaveLength(3);
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
  });
});
