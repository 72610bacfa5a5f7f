/**
 * The download phase: the payload goes to the device as a large object (Replace
 * <fumo>/Update/PkgData, resumed from the acknowledged offset where the device allows it, hashed
 * while it streams), or the device fetches it from a PkgURL the kiosk serves.
 */
import { KioskError } from '../errors';
import { getText, parseNumber } from './capabilities';
import type { InstallPhase } from './install';
import { isDisconnect, toJobError, type JobContext } from './job-context';
import type { DeviceFacts, FumoSession, UpdateOffer } from './ports';
import { ProgressMeter, chunkBytesForSpeed } from './progress';
import { isFumoSuccess } from './result-codes';
import { VerifyingSource, sha256Verifier } from './verifying-source';

export class DownloadPhase {
  constructor(
    private readonly job: JobContext,
    private readonly install: InstallPhase,
  ) {}

  async stepDownload(): Promise<void> {
    const offer = this.job.requireOffer();
    const facts = this.job.requireFacts();
    const dl = this.job.snap.download ?? {
      method: 'large-object' as const,
      totalBytes: offer.sizeBytes,
      acknowledgedBytes: 0,
      complete: false,
      bytesSentTotal: 0,
    };
    if (dl.complete) {
      await this.afterDownload();
      return;
    }
    if (dl.method === 'pkg-url') {
      await this.downloadByUrl(offer, facts);
      return;
    }
    for (;;) {
      this.job.checkCancelled();
      const session = this.job.requireSession();
      try {
        await this.sendPayload(session, offer, facts);
        break;
      } catch (e) {
        if (this.job.signal.aborted) throw this.job.signal.reason instanceof Error ? this.job.signal.reason : new KioskError('CANCELLED');
        if (!isDisconnect(e)) throw e;
        // The cable was pulled (or the phone stopped answering): keep the acknowledged offset, wait for the same DevId.
        await this.job.record({ error: toJobError(e) });
        await this.job.awaitDevice('reconnect', this.job.settings.reconnectTimeoutMs, e);
      }
    }
    await this.afterDownload();
  }

  private async sendPayload(session: FumoSession, offer: UpdateOffer, facts: DeviceFacts): Promise<void> {
    const reader = await this.job.ports.catalog.openPayload(offer.bundleId);
    try {
      if (reader.size !== offer.sizeBytes) {
        throw new KioskError('PAYLOAD_CORRUPT', {
          detail: `stored update is ${reader.size} bytes, the catalogue says ${offer.sizeBytes}`,
          fumoResultCode: 402,
        });
      }
      const pkgIdUri = this.job.nodes.pkgIdUri ?? (this.job.nodes.resumeSupported ? `${facts.fumoUri}/Ext/PkgId` : undefined);
      if (pkgIdUri) {
        // Name the package first: the device then offers only bytes of this same package.
        await session.replace(pkgIdUri, offer.sha256.toLowerCase(), { format: 'chr' }).catch(() => undefined);
      }
      let startOffset = await this.resumePoint(session, facts);
      for (let attempt = 0; ; attempt++) {
        const verifier = this.job.ports.catalog.createVerifier?.(offer.bundleId) ?? sha256Verifier(offer.sha256);
        const source = new VerifyingSource(reader, verifier);
        await source.prime(startOffset);
        const meter = new ProgressMeter(this.job.ports.clock, offer.sizeBytes);
        meter.restartAt(startOffset);
        // Bytes the phone had acknowledged before this leg: each acknowledged message adds to it.
        const sentBefore = this.job.requireDownload().bytesSentTotal;
        const legStart = startOffset;
        const status = await session.replaceLarge(`${facts.fumoUri}/Update/PkgData`, source, {
          format: 'bin',
          type: 'application/octet-stream',
          startOffset: startOffset > 0 ? startOffset : undefined,
          signal: this.job.signal,
          // Progress at least once a second at any line rate: chunks sized to the measured speed.
          chunkBytes: () => chunkBytesForSpeed(meter.reading().speedBps),
          onProgress: (p) => {
            // Journaled first: what anyone is shown as sent is already the resume point.
            this.checkpoint(p.acknowledgedBytes, sentBefore + Math.max(0, p.acknowledgedBytes - legStart));
            const reading = meter.update(p.acknowledgedBytes);
            this.job.emit({
              type: 'progress',
              progress: {
                jobId: this.job.snap.jobId,
                devId: this.job.snap.devId,
                phase: 'downloading',
                bytesSent: p.acknowledgedBytes,
                totalBytes: p.totalBytes,
                speedBps: reading.speedBps,
                etaSeconds: reading.etaSeconds,
              },
            });
          },
        });
        if (status >= 200 && status < 300) {
          if (!source.complete) {
            throw new KioskError('PAYLOAD_CORRUPT', {
              detail: 'the phone confirmed the update before all of it was sent',
              fumoResultCode: 402,
            });
          }
          await this.job.record({
            download: {
              ...this.job.requireDownload(),
              acknowledgedBytes: offer.sizeBytes,
              complete: true,
              bytesSentTotal: sentBefore + offer.sizeBytes - legStart,
            },
          });
          return;
        }
        if (startOffset > 0 && attempt === 0) {
          // The device could not continue the earlier transfer: start over cleanly.
          startOffset = 0;
          await this.job.record({ download: { ...this.job.requireDownload(), acknowledgedBytes: 0 } });
          continue;
        }
        if (status === 424)
          throw new KioskError('PAYLOAD_CORRUPT', { detail: 'the phone received a different size than was sent', fumoResultCode: 402 });
        throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${status}` });
      }
    } finally {
      await reader.close?.();
    }
  }

  /** Where a transfer continues: the last acknowledged offset where the device can resume, else 0. */
  private async resumePoint(session: FumoSession, facts: DeviceFacts): Promise<number> {
    const ours = this.job.snap.download?.acknowledgedBytes ?? 0;
    // Only bytes this job sent may be continued (the device may hold a stranger's partial package).
    if (!this.job.nodes.resumeSupported || !this.job.snap.download || (ours === 0 && this.job.snap.download.bytesSentTotal === 0)) return 0;
    const uri = this.job.nodes.receivedBytesUri ?? `${facts.fumoUri}/Ext/ReceivedBytes`;
    const reported = parseNumber(await getText(session, uri).catch(() => undefined));
    // The device knows what it holds (the journal may lag behind it after a restart).
    if (reported === undefined) return ours;
    const held = Math.max(0, Math.min(Math.floor(reported), this.job.snap.download.totalBytes));
    if (held > ours) {
      // The phone stored a message whose acknowledgement never reached the journal (kiosk
      // restarted, cable pulled): it was sent, so it counts.
      const dl = this.job.snap.download;
      await this.job.record({ download: { ...dl, acknowledgedBytes: held, bytesSentTotal: dl.bytesSentTotal + held - ours } });
    }
    return held;
  }

  /**
   * A checkpoint at each acknowledged message: the resume point and the bytes sent so far are
   * journaled before the next message goes out (the journal port writes synchronously).
   */
  private checkpoint(acknowledged: number, bytesSentTotal: number): void {
    const dl = this.job.snap.download;
    if (!dl) return;
    this.job.remember({ download: { ...dl, acknowledgedBytes: acknowledged, bytesSentTotal }, updatedAt: this.job.ports.clock.now() });
    void this.job.ports.journal.record(this.job.snap).catch(() => undefined);
  }

  private async downloadByUrl(offer: UpdateOffer, facts: DeviceFacts): Promise<void> {
    const session = this.job.requireSession();
    const url = await this.job.ports.catalog.payloadUrl?.(offer.bundleId, facts.devId);
    if (!url) throw new KioskError('DOWNLOAD_FAILED', { detail: 'no download address for this link' });
    const now = this.job.snap.schedule === 'now';
    const node = now ? 'DownloadAndUpdate' : 'Download';
    const status = await session.replace(`${facts.fumoUri}/${node}/PkgURL`, url, { format: 'chr' });
    if (status < 200 || status >= 300)
      throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${status} to the download address` });
    if (now) {
      // DownloadAndUpdate: the device fetches and installs; the result arrives like an Update's.
      await this.job.enter('installing', { install: { correlator: this.job.newCorrelator() } });
      await this.install.execAndAwait(`${facts.fumoUri}/DownloadAndUpdate`);
      return;
    }
    const correlator = this.job.newCorrelator();
    await this.job.record({ install: { correlator } });
    const exec = await session.exec(`${facts.fumoUri}/Download`, { correlator });
    if (exec !== 200 && exec !== 202) throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${exec} to the download` });
    const alert = await session.waitForGenericAlert((a) => this.install.isResultFor(a, correlator), this.job.settings.installTimeoutMs);
    const code = Number.parseInt(alert.data ?? '', 10);
    if (!isFumoSuccess(code)) this.install.failWithResult(code);
    await this.job.record({
      download: { ...this.job.requireDownload(), acknowledgedBytes: offer.sizeBytes, complete: true },
      install: undefined,
    });
    await this.afterDownload();
  }

  private async afterDownload(): Promise<void> {
    if (this.job.snap.schedule === 'later') {
      await this.job.enter('scheduled');
      await this.job.record({ parked: true });
      return;
    }
    await this.job.enter('installing', { install: { correlator: this.job.newCorrelator() } });
  }
}
