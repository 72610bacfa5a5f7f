/**
 * The install phase: Exec <fumo>/Update (or DownloadAndUpdate) with a Correlator, journaled
 * before it is sent, then the Generic Alert 1226 with the result, in the same session or in a
 * new one after the device reboots; a job restarted after the Exec asks the device instead.
 */
import { KioskError, isKioskError } from '../errors';
import type { GenericAlert } from '../session/api';
import { getText, readFumoState } from './capabilities';
import { isDisconnect, ParkSignal, type JobContext } from './job-context';
import type { DeviceFacts } from './ports';
import { describeFumoResult, isFumoSuccess } from './result-codes';

export class InstallPhase {
  /** Set when a run continues a job whose Exec may already have reached the device. */
  continuing = false;

  constructor(private readonly job: JobContext) {}

  async stepScheduled(): Promise<void> {
    // A later session: the payload must still be on the device before Exec.
    const session = this.job.requireSession();
    const facts = this.job.requireFacts();
    const state = await readFumoState(session, facts.fumoUri);
    if (state !== undefined && ![40, 50].includes(state)) {
      // The device no longer holds the payload: send it again before installing.
      await this.job.enter('downloading', {
        download: { ...this.job.requireDownload(), acknowledgedBytes: 0, complete: false },
        schedule: 'now',
      });
      return;
    }
    await this.job.enter('installing', { install: { correlator: this.job.newCorrelator() }, schedule: 'now' });
  }

  async stepInstall(): Promise<void> {
    const facts = this.job.requireFacts();
    const install = this.job.snap.install;
    if (!install) throw new KioskError('INTERNAL', { detail: 'install without correlator' });
    const download = this.job.snap.download;
    if (!download?.complete) {
      throw new KioskError('INTERNAL', { detail: 'refusing to install a payload the phone has not fully received' });
    }
    const node = download.method === 'pkg-url' ? 'DownloadAndUpdate' : 'Update';
    if (install.execStatus === undefined) {
      await this.execAndAwait(`${facts.fumoUri}/${node}`);
      return;
    }
    // Restored after a restart with the Exec already sent: look for its result.
    await this.awaitResult(install.correlator, facts);
  }

  async execAndAwait(uri: string): Promise<void> {
    const session = this.job.requireSession();
    const install = this.job.snap.install;
    if (!install) throw new KioskError('INTERNAL', { detail: 'install without correlator' });
    // Journaled before the Exec: a restart knows an install may be under way with this correlator.
    await this.job.record({ install: { ...install, execStatus: 0 } });
    let status: number;
    try {
      status = await session.exec(uri, { correlator: install.correlator });
    } catch (e) {
      if (!isDisconnect(e)) throw e;
      // The link went during the Exec: the phone may have taken it and be installing, and it
      // reboots whatever the kiosk does. Wait for it; the new session brings the 1226, or the
      // phone is asked where it stands (and the Exec sent again if it never arrived).
      await this.awaitResult(install.correlator, this.job.requireFacts(), { linkLost: true });
      return;
    }
    await this.job.record({ install: { ...install, execStatus: status } });
    if (status !== 202 && status !== 200) {
      throw new KioskError('INSTALL_FAILED', { detail: `Exec answered ${status}` });
    }
    await this.awaitResult(install.correlator, this.job.requireFacts());
  }

  isResultFor(a: GenericAlert, correlator: string): boolean {
    const t = a.type.toLowerCase();
    if (!t.includes('firmwareupdate')) return false;
    if (t.endsWith('userrequest') || t.endsWith('devicerequest')) return false;
    if (a.correlator !== undefined) return a.correlator === correlator;
    const fumo = this.job.snap.facts?.fumoUri;
    return fumo !== undefined && a.sourceURI !== undefined && a.sourceURI.startsWith(fumo);
  }

  /** Wait for the Generic Alert 1226 with our Correlator, across the device's reboot (a new session from the same DevId). */
  private async awaitResult(correlator: string, facts: DeviceFacts, o: { linkLost?: boolean } = {}): Promise<void> {
    const deadline = this.job.ports.clock.now() + this.job.settings.installTimeoutMs;
    const offer = this.job.requireOffer();
    let alert: GenericAlert | undefined;
    let waitedInSession = o.linkLost === true;
    // Restarted with the Exec possibly sent, the result may have gone to the old process.
    let askDevice = this.continuing;
    this.continuing = false;
    if (o.linkLost) {
      await this.job.awaitDevice('reboot', this.job.settings.installTimeoutMs, new KioskError('REBOOT_TIMEOUT', { detail: facts.devId }));
      askDevice = true;
    }
    while (!alert) {
      const session = this.job.requireSession();
      const pred = (a: GenericAlert): boolean => this.isResultFor(a, correlator);
      alert = session.hello.genericAlerts.find(pred) ?? session.genericAlerts.find(pred);
      if (alert) break;
      if (askDevice) {
        // A session without our result (lost with a restarted kiosk, or never sent): ask the phone.
        askDevice = false;
        const fw = await getText(session, './DevDetail/FwV');
        if (fw === offer.targetVersion) {
          await this.job.enter('verifying');
          return;
        }
        const state = await readFumoState(session, facts.fumoUri);
        if (state === 40 || state === 50) {
          // The payload waits on the device and nothing is installing: send the Exec again.
          await this.job.record({ install: { correlator: this.job.newCorrelator() } });
          return;
        }
        if (state === 70 || state === 80) {
          if (fw !== undefined) await this.job.record({ finalVersion: fw });
          this.failWithResult(410);
        }
        if (state === 90 || state === 100) {
          // The phone says it installed, yet reports another version: the check names both.
          await this.job.enter('verifying');
          return;
        }
        // 60 (installing) or a state that says nothing: the result is still to come.
      }
      const remaining = deadline - this.job.ports.clock.now();
      if (remaining <= 0) throw new ParkSignal(new KioskError('REBOOT_TIMEOUT', { detail: facts.devId }));
      if (!waitedInSession && this.job.settings.resultWaitInSessionMs > 0) {
        // Some phones report at once, in the same session; most install once the session ends.
        waitedInSession = true;
        try {
          alert = await session.waitForGenericAlert(pred, Math.min(remaining, this.job.settings.resultWaitInSessionMs));
          break;
        } catch (e) {
          if (!isDisconnect(e) && !(isKioskError(e) && e.code === 'LINK_TIMEOUT')) throw e;
        }
      }
      // End the session so the phone installs; it reboots, re-enumerates and reports in a new session.
      await this.job.awaitDevice(
        'reboot',
        Math.max(1, deadline - this.job.ports.clock.now()),
        new KioskError('REBOOT_TIMEOUT', { detail: facts.devId }),
      );
      askDevice = true;
    }
    const code = Number.parseInt(alert.data ?? '', 10);
    await this.job.record({
      install: { ...(this.job.snap.install ?? { correlator }), resultCode: Number.isFinite(code) ? code : undefined },
    });
    if (!isFumoSuccess(code)) {
      const fw = await getText(this.job.requireSession(), './DevDetail/FwV').catch(() => undefined);
      if (fw !== undefined) await this.job.record({ finalVersion: fw });
      this.failWithResult(code);
    }
    await this.job.enter('verifying');
  }

  failWithResult(code: number): never {
    const r = describeFumoResult(Number.isFinite(code) ? code : 409);
    throw new KioskError(r.errorCode ?? 'INSTALL_FAILED', { detail: `${r.code} ${r.name}`, fumoResultCode: r.code });
  }
}
