/** The demo shell's sample data: its ports list the sample phones, and naming one changes its card at once. */
import { describe, expect, it } from 'vitest';
import { ScriptedBackend, sampleDevice } from '../../../src/main/demo/shell-backend';
import type { DeviceView } from '../../../src/shared/schemas';

describe('the demo shell\'s bench ports', () => {
  it('lists each sample phone by its port and renames its slot with device:updated', async () => {
    const backend = new ScriptedBackend();
    backend.attach(sampleDevice(1));
    backend.attach(sampleDevice(2));
    const list = await backend.ports.list();
    expect(list.ok && list.value.ports.map((p) => [p.port, p.slot])).toEqual([
      ['/dev/ttyACM0', 'Slot 1'],
      ['/dev/ttyACM1', 'Slot 2'],
    ]);
    const updated: DeviceView[] = [];
    backend.on('device:updated', (v: DeviceView) => updated.push(v));
    const r = await backend.ports.assign({ port: '/dev/ttyACM1', slot: ' Left bench ' });
    expect(r.ok && r.value.ports.find((p) => p.port === '/dev/ttyACM1')?.slot).toBe('Left bench');
    expect(updated.map((v) => [v.portId, v.slot])).toEqual([[sampleDevice(2).portId, 'Left bench']]);
    await backend.ports.unassign({ port: '/dev/ttyACM1' });
    expect(updated.at(-1)?.slot).toBeNull();
  });
});
