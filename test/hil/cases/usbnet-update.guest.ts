/**
 * In the guest, as the kiosk user: the reference phone behind its own USB network interface (an
 * NCM gadget on dummy_hcd, 1209:0003; usbnet-setup.sh, usbnet-phone.ts), its DM client speaking
 * HTTP to the kiosk's DM endpoint on that interface. The kiosk side's interface is found by its
 * udev properties (the phone's VID:PID and serial number) and must be the one the setup found by
 * MAC; the kiosk serves its DM endpoint there as a cable's interface (--dm-cable). The phone
 * calls in, appears on the bench as http:<DevId>, the operator consents, the phone fetches its
 * package from its PkgURL on the same interface, installs, reboots, reports 1226, and both sides
 * say it runs the new version. The phone's reboot re-enumerates the link: the kiosk's end comes
 * back as a new interface, gets its address again from the udev rule, and the kiosk's endpoint
 * hears the phone on it. The phone lives in a network namespace of its own: the interface byte
 * counters on both ends show the package crossed the USB link, and the kiosk's loopback shows it
 * did not go there.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { dmListenFromFlags } from '../../../src/main/services/dm-endpoint';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import type { DeviceView } from '../../../src/shared/schemas';
import { check, HostControl, report } from '../guest/control';

const host = new HostControl();

/** KEY=VALUE lines (the setup's /tmp/usbnet.env, udevadm's properties). */
function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** udev's properties of a network interface. */
function udevProperties(name: string): Record<string, string> {
  return keyValues(execFileSync('udevadm', ['info', '--query=property', `--path=/sys/class/net/${name}`], { encoding: 'utf8' }));
}

interface Counters {
  rx: number;
  tx: number;
}

/** An interface's byte counters in this network namespace. */
function sysCounters(name: string): Counters {
  const read = (what: string): number => Number(readFileSync(`/sys/class/net/${name}/statistics/${what}`, 'utf8').trim());
  return { rx: read('rx_bytes'), tx: read('tx_bytes') };
}

/** An interface's byte counters in the network namespace of process `pid` (/proc/<pid>/net/dev). */
function procCounters(pid: number, name: string): Counters {
  const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith(`${name}:`));
  check(line, `${name} in the phone's namespace (/proc/${pid}/net/dev)`);
  const f = line.split(':')[1]!.trim().split(/\s+/).map(Number);
  return { rx: f[0]!, tx: f[8]! };
}

const delta = (a: Counters, b: Counters): Counters => ({ rx: b.rx - a.rx, tx: b.tx - a.tx });

async function main(): Promise<void> {
  const t0 = Date.now();
  const stamp = (): string => ((Date.now() - t0) / 1000).toFixed(1);
  const net = keyValues(readFileSync('/tmp/usbnet.env', 'utf8'));
  const kioskIf = net['KIOSK_IF'] ?? '';
  const kioskAddr = net['KIOSK_ADDR'] ?? '';

  // The kiosk's end of the cable, by udev's properties of the USB device behind it.
  const byUdev = readdirSync('/sys/class/net').filter((n) => {
    const p = udevProperties(n);
    return p['ID_VENDOR_ID'] === '1209' && p['ID_MODEL_ID'] === '0003' && p['ID_SERIAL_SHORT'] === 'FUMONET0001';
  });
  check(byUdev.length === 1, `one interface with udev ID_VENDOR_ID=1209 ID_MODEL_ID=0003 ID_SERIAL_SHORT=FUMONET0001 (got ${byUdev.join(', ') || 'none'})`);
  check(byUdev[0] === kioskIf, `udev's interface ${byUdev[0]} is the one found by MAC (${kioskIf})`);
  const props = udevProperties(kioskIf);
  const mac = readFileSync(`/sys/class/net/${kioskIf}/address`, 'utf8').trim();
  check(mac === net['KIOSK_MAC'], `${kioskIf} has the MAC the gadget gave it (${net['KIOSK_MAC']}, got ${mac})`);
  check(props['ID_NET_DRIVER'] === 'cdc_ncm', `${kioskIf} is driven by cdc_ncm (got ${props['ID_NET_DRIVER']})`);
  const addrs = (networkInterfaces()[kioskIf] ?? []).map((a) => a.address);
  check(addrs.includes(kioskAddr), `${kioskIf} holds ${kioskAddr} (has ${addrs.join(', ')}; ip addr: ${execFileSync('ip', ['-o', 'addr'], { encoding: 'utf8' })})`);
  // The phone's end is in its own namespace: not among this one's interfaces.
  const phoneIf = net['PHONE_IF'] ?? '';
  check(!readdirSync('/sys/class/net').includes(phoneIf), `the phone's ${phoneIf} is not in the kiosk's namespace`);
  report('found', { kioskIf, mac, driver: props['ID_NET_DRIVER'], address: kioskAddr, phoneIf, phoneAddr: net['PHONE_ADDR'] });

  // The phone's own DM account, given to the kiosk as an operator imports a provisioned phone's.
  const account = JSON.parse(readFileSync('/tmp/phone-account-usbnet.json', 'utf8')) as { devId: string; serverId: string; clientName: string; clientSecret: string; serverName: string; serverSecret: string };
  const phonePid = Number(readFileSync('/tmp/phone-usbnet.pid', 'utf8').trim());
  const listen = dmListenFromFlags({ dmCable: [`${kioskAddr}:${net['DM_PORT']}`] });
  check(listen, 'a DM endpoint address from --dm-cable');
  const service = new KioskService({ dataDir: '/tmp/kiosk/data', dmListen: listen, log: (line) => console.log(`kiosk ${stamp()} ${line}`) });
  service.store.accounts.ensure({ deviceId: account.devId, serverId: account.serverId, clientName: account.clientName, clientSecret: account.clientSecret, serverName: account.serverName, serverSecret: account.serverSecret, authType: 'md5' });
  await importDemoCatalog(service.store);
  service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
  const ifindex0 = readFileSync(`/sys/class/net/${kioskIf}/ifindex`, 'utf8').trim();
  const kiosk0 = sysCounters(kioskIf);
  const lo0 = sysCounters('lo');
  const phone0 = procCounters(phonePid, phoneIf);
  await service.start();
  const url = service.dmEndpointUrls[0];
  check(url === `http://${kioskAddr}:${net['DM_PORT']}/dm`, `the DM endpoint on the cable's interface (got ${service.dmEndpointUrls.join(', ')})`);

  const portId = `http:${account.devId}`;
  const identified = (): DeviceView | undefined => service.listDevices().find((d) => d.portId === portId && d.fwVersion !== null && d.targetVersion !== null);
  const bound = Date.now() + 180_000;
  while (!identified()) {
    check(Date.now() < bound, `the phone on the bench as ${portId} (have ${service.listDevices().map((d) => d.portId).join(', ') || 'none'})`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, 5000);
      service.once('device:updated', () => (clearTimeout(t), r()));
    });
  }
  const before = identified()!;
  // The bench shows the DevId masked but for its last digits; the port is named by the whole one.
  check(before.linkKind === 'http' && before.devId?.endsWith(account.devId.slice(-4)), `an HTTP phone with DevId ${account.devId} (got ${before.linkKind} ${before.devId})`);
  report('identified', { seconds: (Date.now() - t0) / 1000, devId: before.devId, model: before.model, from: before.fwVersion, to: before.targetVersion });

  const jobId = await service.startUpdate({ portId, consentMode: 'operator', schedule: 'now' });
  let lastStep = '';
  const stepAt: Record<string, number> = {};
  service.on('job:updated', (v: { jobId: string; phase?: string | null; error?: { code: string } | null }) => {
    const step = `${v.phase ?? ''}${v.error ? ` ${v.error.code}` : ''}`;
    if (v.jobId !== jobId || step === lastStep) return;
    stepAt[step] ??= (Date.now() - t0) / 1000;
    console.log(`job ${stamp()} ${(lastStep = step)}`);
  });
  const end = await Promise.race([
    service.waitForJob(jobId),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the job did not end within 360 s')), 360_000)),
  ]);
  check(end.state === 'done', `the job ends done (got ${end.state}: ${end.error?.code ?? end.outcome?.code ?? ''})`);
  check(end.finalVersion === before.targetVersion, `FwV ${before.targetVersion} after the update (got ${end.finalVersion})`);
  const phoneSays = readFileSync('/tmp/phone-version-usbnet', 'utf8').trim();
  check(phoneSays === before.targetVersion, `the phone runs ${before.targetVersion} (says ${phoneSays})`);
  check(end.download?.method === 'pkg-url', `the package went by PkgURL (got ${end.download?.method})`);

  // The package's URL was on the cable's interface, and all of it was served there.
  const served = service.payloads.withdrawn.filter((o) => o.devId === account.devId);
  check(served.length === 1, `one download URL for the phone (got ${served.length})`);
  const pkgUrl = new URL(served[0]!.url);
  check(pkgUrl.hostname === kioskAddr, `the PkgURL on ${kioskAddr} (got ${pkgUrl.host})`);
  const size = statSync(service.store.catalog.get(end.offer!.bundleId)!.filePath).size;
  check(served[0]!.bytesServed === size, `the whole package served (${served[0]!.bytesServed} of ${size} bytes)`);

  // The phone's reboot took the kiosk's end away; it came back as a new interface with its address.
  const ifindex1 = readFileSync(`/sys/class/net/${kioskIf}/ifindex`, 'utf8').trim();
  check(ifindex1 !== ifindex0, `${kioskIf} re-enumerated with the phone's reboot (ifindex ${ifindex0}, now ${ifindex1})`);
  const addrsAfter = (networkInterfaces()[kioskIf] ?? []).map((a) => a.address);
  check(addrsAfter.includes(kioskAddr), `${kioskIf} holds ${kioskAddr} again (has ${addrsAfter.join(', ')})`);

  // Every byte between the kiosk and the phone crossed the gadget: the package went out of the
  // kiosk's cdc_ncm interface and into the phone's, not over the kiosk's loopback. The kiosk's
  // end is counted up to the reboot (the phone noted it), the phone's end throughout.
  const atReboot = JSON.parse(readFileSync('/tmp/usbnet-at-reboot.json', 'utf8')) as { kiosk?: Counters; phone?: Counters };
  check(atReboot.kiosk && atReboot.phone, `both ends counted at the reboot (got ${JSON.stringify(atReboot)})`);
  const kioskNet = delta(kiosk0, atReboot.kiosk);
  const kioskAfter = sysCounters(kioskIf);
  const phoneNet = delta(phone0, procCounters(phonePid, phoneIf));
  const loNet = delta(lo0, sysCounters('lo'));
  check(kioskNet.tx >= size, `${kioskIf} sent at least the package (${kioskNet.tx} bytes for ${size})`);
  check(phoneNet.rx >= size, `the phone's ${phoneIf} received at least the package (${phoneNet.rx} bytes for ${size})`);
  // The phone's DM messages came in the other way (the two ends count NCM's framing differently:
  // the sums are reported, not compared).
  check(phoneNet.tx > 0 && kioskNet.rx > 0, `the phone's messages came in on ${kioskIf} (${phoneNet.tx} bytes sent, ${kioskNet.rx} received)`);
  check(loNet.rx < size, `the package did not go over the kiosk's loopback (lo received ${loNet.rx} bytes)`);
  await service.runner.idle();
  const record = service.store.audit.list().find((r) => r.devId === account.devId);
  check(record?.result === 'success' && record.linkKind === 'http', `a history record of the update over HTTP (got ${record?.result} ${record?.linkKind})`);
  report('done', {
    seconds: (Date.now() - t0) / 1000,
    steps: stepAt,
    finalVersion: end.finalVersion,
    packageBytes: size,
    pkgUrlHost: pkgUrl.host,
    kioskIf: { name: kioskIf, ...kioskNet, afterReboot: kioskAfter, ifindex: [Number(ifindex0), Number(ifindex1)] },
    phoneIf: { name: phoneIf, ...phoneNet },
    lo: loNet,
  });
  await service.close();
}

main().then(
  async () => {
    await host.close();
    process.exit(0);
  },
  async (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    await host.close();
    process.exit(1);
  },
);
