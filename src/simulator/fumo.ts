/**
 * The FUMO management object of the reference device (OMA-TS-DM-FUMO, chapters 10.1-10.4) and
 * its state machine: 10 idle -> 30 download progressing -> 40 download complete (20 on failure)
 * -> Exec Update: 202, 50 ready to update -> verify (SHA-256, Ed25519, model) -> 60 update
 * progressing -> reboot -> 100 update successful / no data (70 have data, 80 no data on failure),
 * then a Generic Alert 1226 with the result code and the Exec's Correlator in the next session.
 *
 * The package is streamed to a file in the device's state folder, never held whole in memory.
 */
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { open, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { ItemData, MetInf } from '../core/dm/model';
import type { GenericAlert } from '../core/session/api';
import type { CommandReply, LargeObjectSink } from '../core/session/client-api';
import { createBundleVerifier, type BundleManifest, type PublicKeyLike } from '../core/catalog/bundle';
import type { Acl, DmTree } from './tree';
import { normaliseUri } from './tree';
import type { DeviceStateStore, FumoOperation } from './state';
import type { FaultSet } from './faults';

export const FUMO_URN = 'urn:oma:mo:oma-fumo:1.0';
export const FUMO_ALERT_TYPE_PREFIX = 'org.openmobilealliance.dm.firmwareupdate.';

export const FumoState = {
  Idle: 10,
  DownloadFailed: 20,
  DownloadProgressing: 30,
  DownloadComplete: 40,
  ReadyToUpdate: 50,
  UpdateProgressing: 60,
  UpdateFailedHaveData: 70,
  UpdateFailedNoData: 80,
  UpdateSuccessfulHaveData: 90,
  UpdateSuccessfulNoData: 100,
} as const;
export type FumoStateCode = (typeof FumoState)[keyof typeof FumoState];

export const FumoResult = {
  Successful: 200,
  ClientError: 400,
  UserCancelled: 401,
  CorruptedPackage: 402,
  PackageMismatch: 403,
  FailedValidation: 404,
  NotAcceptable: 405,
  MalformedUrl: 411,
  DownloadServerUnavailable: 412,
  UpdateFailed: 410,
  DownloadFailedNetwork: 503,
} as const;

export interface PackageVerdict {
  result: number;
  detail: string;
  manifest?: BundleManifest;
}

/** Check a received bundle file: SHA-256 (402), Ed25519 signature (404), model and version (403). */
export async function verifyPackageFile(
  path: string,
  device: { model: string; fwVersion: string },
  publicKey: PublicKeyLike | undefined,
): Promise<PackageVerdict> {
  const verifier = createBundleVerifier(publicKey === undefined ? {} : { resolveKey: () => publicKey });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) verifier.update(chunk as Buffer);
  } catch (e) {
    return { result: FumoResult.CorruptedPackage, detail: `cannot read the package: ${e instanceof Error ? e.message : String(e)}` };
  }
  const v = verifier.finish();
  if (!v.ok) {
    const result = v.error.code === 'SIGNATURE_INVALID' ? FumoResult.FailedValidation : FumoResult.CorruptedPackage;
    return { result, detail: v.error.message, ...(v.manifest ? { manifest: v.manifest } : {}) };
  }
  const m = v.manifest;
  if (!m.models.includes(device.model)) {
    return { result: FumoResult.PackageMismatch, detail: `package for ${m.models.join(', ')}, device is ${device.model}`, manifest: m };
  }
  if (!m.fromVersions.some((p) => versionMatches(p, device.fwVersion))) {
    return { result: FumoResult.PackageMismatch, detail: `package applies to ${m.fromVersions.join(', ')}, device runs ${device.fwVersion}`, manifest: m };
  }
  return { result: FumoResult.Successful, detail: 'ok', manifest: m };
}

function versionMatches(pattern: string, version: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return version.startsWith(pattern.slice(0, -1));
  return pattern === version;
}

export interface FumoHooks {
  /** The device's current model and firmware version. */
  device(): { model: string; fwVersion: string };
  publicKey: PublicKeyLike | undefined;
  faults: FaultSet;
  /** Close the link now (fault disconnect-at). */
  disconnect(): void;
  /** Called when an Exec leaves work for after the session (install, download). */
  workScheduled(): void;
  /** Bytes of a large-object PkgData chunk of a `size`-byte package were stored at `offset` (what the phone really received). */
  received?(offset: number, bytes: number, size: number): void;
  /** ACL of the MO root (inherited by its nodes); default Get, Replace and Exec for every server. */
  acl?: Acl;
}

const encoder = new TextEncoder();

/** The FUMO MO at `root` in `tree`, backed by the device's persisted state. */
export class FumoObject {
  readonly root: string;
  private background: Promise<void> = Promise.resolve();
  private receiving: { file: FileHandle; chunk: number; written: number } | undefined;
  /** PkgId a server wrote in this session for the transfer it is about to make (not persisted). */
  private announcedPkgId: string | undefined;

  constructor(
    private readonly tree: DmTree,
    root: string,
    private readonly store: DeviceStateStore,
    private readonly hooks: FumoHooks,
  ) {
    this.root = normaliseUri(root);
    this.build();
  }

  private get s(): DeviceStateStore['state']['fumo'] {
    return this.store.state.fumo;
  }

  get state(): number {
    return this.s.state;
  }

  private setState(state: FumoStateCode): void {
    this.s.state = state;
    this.store.save();
  }

  private build(): void {
    const r = this.root;
    const t = this.tree;
    const get = ['Get'] as const;
    t.defineInterior(r, { type: FUMO_URN, accessTypes: ['Get'], permanent: true, acl: this.hooks.acl ?? { Get: ['*'], Replace: ['*'], Exec: ['*'] } });
    t.defineLeaf(`${r}/PkgName`, { format: 'chr', accessTypes: ['Get', 'Replace'], read: () => this.s.pkgName, write: (d) => this.setText('pkgName', d) });
    t.defineLeaf(`${r}/PkgVersion`, { format: 'chr', accessTypes: ['Get', 'Replace'], read: () => this.s.pkgVersion, write: (d) => this.setText('pkgVersion', d) });
    t.defineInterior(`${r}/Download`, { accessTypes: ['Get', 'Exec'], permanent: true, exec: (o) => this.execDownload('download', o.correlator) });
    t.defineLeaf(`${r}/Download/PkgURL`, { format: 'chr', accessTypes: ['Get', 'Replace'], permanent: true, read: () => this.s.downloadUrl, write: (d) => this.setText('downloadUrl', d) });
    t.defineInterior(`${r}/Update`, { accessTypes: ['Get', 'Exec'], permanent: true, exec: (o) => this.execUpdate(o.correlator) });
    t.defineLeaf(`${r}/Update/PkgData`, {
      format: 'bin',
      accessTypes: ['Replace'],
      permanent: true,
      write: (d, m) => this.replaceSmall(d, m),
    });
    t.defineInterior(`${r}/DownloadAndUpdate`, {
      accessTypes: ['Get', 'Exec'],
      permanent: true,
      exec: (o) => this.execDownload('downloadandupdate', o.correlator),
    });
    t.defineLeaf(`${r}/DownloadAndUpdate/PkgURL`, {
      format: 'chr',
      accessTypes: ['Get', 'Replace'],
      permanent: true,
      read: () => this.s.downloadAndUpdateUrl,
      write: (d) => this.setText('downloadAndUpdateUrl', d),
    });
    t.defineLeaf(`${r}/State`, { format: 'int', accessTypes: get, permanent: true, read: () => String(this.s.state) });
    t.defineInterior(`${r}/Ext`, { accessTypes: get, permanent: true });
    // Vendor extension: how much of a package the phone holds, so a server can see a partial download.
    t.defineLeaf(`${r}/Ext/ReceivedBytes`, { format: 'int', accessTypes: get, permanent: true, read: () => String(this.heldBytes()) });
    t.defineLeaf(`${r}/Ext/ExpectedBytes`, { format: 'int', accessTypes: get, permanent: true, read: () => String(this.s.expectedBytes) });
    // Vendor extension: the identity of the package in PkgData (e.g. its SHA-256), written by the
    // server before a Replace of PkgData. A held partial package is continued only for the same id.
    t.defineLeaf(`${r}/Ext/PkgId`, {
      format: 'chr',
      accessTypes: ['Get', 'Replace'],
      permanent: true,
      read: () => this.s.pkgId ?? '',
      write: (d) => {
        this.announcedPkgId = d === undefined ? '' : typeof d === 'string' ? d : new TextDecoder().decode(d);
        return 200;
      },
    });
  }

  private setText(key: 'pkgName' | 'pkgVersion' | 'downloadUrl' | 'downloadAndUpdateUrl', d: ItemData | undefined): number {
    this.s[key] = d === undefined ? '' : typeof d === 'string' ? d : new TextDecoder().decode(d);
    this.store.save();
    return 200;
  }

  private busy(): boolean {
    return this.s.state === FumoState.DownloadProgressing || this.s.state === FumoState.UpdateProgressing || this.s.pendingInstall !== undefined;
  }

  /** Replace of PkgData in one message (small packages). */
  private replaceSmall(d: ItemData | undefined, _meta: MetInf | undefined): number {
    if (this.busy()) return 405;
    const bytes = d === undefined ? new Uint8Array(0) : typeof d === 'string' ? encoder.encode(d) : d;
    this.s.pkgId = this.announcedPkgId ?? '';
    this.announcedPkgId = undefined;
    this.s.state = FumoState.DownloadProgressing;
    this.s.expectedBytes = bytes.length;
    this.s.receivedBytes = 0;
    this.s.packageComplete = false;
    this.store.save();
    const cut = this.hooks.faults.get('disconnect-at');
    if (cut && cut.byte < bytes.length) {
      // The cable is pulled part-way through the message: keep the bytes up to the cut.
      writeFileSync(this.store.packagePath, bytes.subarray(0, cut.byte));
      this.s.receivedBytes = cut.byte;
      this.s.state = FumoState.DownloadFailed;
      this.store.save();
      this.hooks.faults.clear('disconnect-at');
      this.hooks.disconnect();
      return 500;
    }
    try {
      // A one-message package is small; writing it before answering keeps Replace's status honest.
      writeFileSync(this.store.packagePath, bytes);
    } catch {
      this.s.state = FumoState.DownloadFailed;
      this.store.save();
      return 500;
    }
    this.s.receivedBytes = bytes.length;
    this.s.packageComplete = true;
    this.s.state = FumoState.DownloadComplete;
    this.store.save();
    return 200;
  }

  /** Is `uri` this MO's PkgData node? */
  isPkgData(uri: string): boolean {
    return normaliseUri(uri) === `${this.root}/Update/PkgData`;
  }

  /** A new DM session begins: what a server announced in an earlier one no longer holds. */
  sessionStarted(): void {
    this.announcedPkgId = undefined;
  }

  /** Is `uri` this MO's Ext/ReceivedBytes node (reading it asks to continue a held package)? */
  isReceivedBytes(uri: string): boolean {
    return normaliseUri(uri) === `${this.root}/Ext/ReceivedBytes`;
  }

  /** Bytes of the package the phone holds; 0 when the server announced another package (Ext/PkgId) in this session. */
  private heldBytes(): number {
    if (this.announcedPkgId !== undefined && this.announcedPkgId !== (this.s.pkgId ?? '')) return 0;
    return this.s.receivedBytes;
  }

  /**
   * Bytes of a partial package this phone can continue: those of a cut transfer (state 20),
   * not complete, and, when the server announced a PkgId in this session, of that same package.
   * A server sees 0 when there is nothing it may continue.
   */
  private resumableBytes(): number {
    const s = this.s;
    if (s.state !== FumoState.DownloadFailed || s.packageComplete || s.pendingInstall) return 0;
    if (s.receivedBytes <= 0 || s.expectedBytes <= 0 || s.receivedBytes >= s.expectedBytes) return 0;
    if (this.announcedPkgId !== undefined && this.announcedPkgId !== (s.pkgId ?? '')) return 0;
    return s.receivedBytes;
  }

  /**
   * Large-object Replace of PkgData: a sink that streams chunks to the package file.
   *
   * With `resume` (the server read Ext/ReceivedBytes in this session, i.e. it continues from
   * there) and a held partial package of the same announced size (and PkgId, when announced),
   * the sink reports resumeOffset = the bytes held and appends; anything else starts over
   * cleanly at 0. The SHA-256 and signature check at install time still guards the whole.
   */
  async beginPackage(size: number, options: { resume?: boolean } = {}): Promise<LargeObjectSink | CommandReply> {
    if (this.busy()) return { status: 405 };
    let held = options.resume === true && this.s.expectedBytes === size ? this.resumableBytes() : 0;
    if (held > 0) {
      const onDisk = await stat(this.store.packagePath).then((st) => st.size, () => -1);
      if (onDisk < held) held = 0;
    }
    let file: FileHandle;
    if (held > 0) {
      // Drop anything past what was recorded, then continue at the end.
      await truncate(this.store.packagePath, held);
      file = await open(this.store.packagePath, 'r+');
    } else {
      file = await open(this.store.packagePath, 'w');
      this.s.pkgId = this.announcedPkgId ?? '';
    }
    this.announcedPkgId = undefined;
    this.receiving = { file, chunk: 0, written: held };
    this.s.state = FumoState.DownloadProgressing;
    this.s.expectedBytes = size;
    this.s.receivedBytes = held;
    this.s.packageComplete = false;
    this.store.save();
    const rx = this.receiving;
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await rx.file.close().catch(() => undefined);
      if (this.receiving === rx) this.receiving = undefined;
    };
    return {
      ...(held > 0 ? { resumeOffset: held } : {}),
      write: async (chunk: Uint8Array): Promise<void> => {
        rx.chunk++;
        let data = chunk;
        const corrupt = this.hooks.faults.get('corrupt-chunk');
        if (corrupt && corrupt.chunk === rx.chunk && chunk.length > 0) {
          data = new Uint8Array(chunk);
          const i = Math.floor(data.length / 2);
          data[i] = (data[i] ?? 0) ^ 0xff;
        }
        const cut = this.hooks.faults.get('disconnect-at');
        if (cut && rx.written < cut.byte + 1 && rx.written + data.length >= cut.byte) {
          // Keep exactly the bytes up to the cut, then pull the cable.
          const keep = Math.max(0, cut.byte - rx.written);
          await rx.file.write(data.subarray(0, keep), 0, keep, rx.written);
          rx.written += keep;
          this.s.receivedBytes = rx.written;
          this.s.state = FumoState.DownloadFailed;
          this.store.save();
          await close();
          this.hooks.faults.clear('disconnect-at');
          this.hooks.disconnect();
          throw new Error(`link closed at byte ${cut.byte} (fault disconnect-at)`);
        }
        await rx.file.write(data, 0, data.length, rx.written);
        this.hooks.received?.(rx.written, data.length, this.s.expectedBytes);
        rx.written += data.length;
        this.s.receivedBytes = rx.written;
        this.store.save();
      },
      finish: async (): Promise<CommandReply> => {
        await close();
        this.s.packageComplete = true;
        this.s.state = FumoState.DownloadComplete;
        this.store.save();
        return { status: 200 };
      },
      abort: async (): Promise<void> => {
        await close();
        this.s.packageComplete = false;
        this.s.state = FumoState.DownloadFailed;
        this.store.save();
      },
    };
  }

  private execUpdate(correlator: string | undefined): number {
    if (this.s.pendingInstall) return 405;
    const haveData =
      this.s.packageComplete &&
      (this.s.state === FumoState.DownloadComplete || this.s.state === FumoState.UpdateFailedHaveData || this.s.state === FumoState.ReadyToUpdate);
    if (!haveData) return 405;
    this.s.pendingInstall = { operation: 'update', stage: 'scheduled', ...(correlator !== undefined ? { correlator } : {}) };
    // Accepted: the update is under way (it runs once the session ends); 50 would ask for an Exec.
    this.s.state = FumoState.UpdateProgressing;
    this.store.save();
    this.hooks.workScheduled();
    return 202;
  }

  private execDownload(op: 'download' | 'downloadandupdate', correlator: string | undefined): number {
    if (this.busy()) return 405;
    const url = op === 'download' ? this.s.downloadUrl : this.s.downloadAndUpdateUrl;
    if (!url) return 405;
    this.s.pkgId = '';
    this.s.state = FumoState.DownloadProgressing;
    this.s.receivedBytes = 0;
    this.s.expectedBytes = 0;
    this.s.packageComplete = false;
    this.store.save();
    this.background = this.background.then(() => this.download(op, url, correlator));
    this.hooks.workScheduled();
    return 202;
  }

  private async download(op: 'download' | 'downloadandupdate', url: string, correlator: string | undefined): Promise<void> {
    const result = await fetchToFile(url, this.store.packagePath, (n, total) => {
      this.s.receivedBytes = n;
      this.s.expectedBytes = total;
    });
    this.store.save();
    if (result !== 200) {
      this.s.state = FumoState.DownloadFailed;
      this.queueAlert(op, result, correlator);
      this.store.save();
      return;
    }
    this.s.packageComplete = true;
    this.s.state = FumoState.DownloadComplete;
    if (op === 'download') {
      this.queueAlert('download', 200, correlator);
    } else {
      this.s.pendingInstall = { operation: 'downloadandupdate', stage: 'scheduled', ...(correlator !== undefined ? { correlator } : {}) };
      this.s.state = FumoState.ReadyToUpdate;
    }
    this.store.save();
  }

  /** Resolves when background downloads have ended. */
  idle(): Promise<void> {
    return this.background;
  }

  hasScheduledInstall(): boolean {
    return this.s.pendingInstall?.stage === 'scheduled';
  }

  hasRebootPending(): boolean {
    return this.s.pendingInstall?.stage === 'rebooting';
  }

  /**
   * First half of the install, before the reboot: verify the package. A bad package ends here
   * (state 80, result 402/404/403); a good one moves to 60 and asks for the reboot.
   */
  async prepareInstall(): Promise<'reboot' | 'failed'> {
    const pending = this.s.pendingInstall;
    if (!pending || pending.stage !== 'scheduled') return 'failed';
    if (pending.operation !== 'update') this.setState(FumoState.ReadyToUpdate);
    const verdict = await verifyPackageFile(this.store.packagePath, this.hooks.device(), this.hooks.publicKey);
    if (verdict.result !== 200 || !verdict.manifest) {
      await this.dropPackage();
      this.s.pendingInstall = undefined;
      this.s.state = FumoState.UpdateFailedNoData;
      this.queueAlert(pending.operation, verdict.result, pending.correlator);
      this.store.save();
      return 'failed';
    }
    this.s.pendingInstall = { ...pending, stage: 'rebooting', targetVersion: verdict.manifest.targetVersion };
    this.s.state = FumoState.UpdateProgressing;
    this.store.save();
    return 'reboot';
  }

  /** Second half, when the phone comes back: the new firmware runs, or the install failed (410). */
  completeAfterReboot(applyFirmware: (version: string) => void): number {
    const pending = this.s.pendingInstall;
    if (!pending || pending.stage !== 'rebooting') return 0;
    let result: number;
    if (this.hooks.faults.has('install-fail') || !pending.targetVersion) {
      result = FumoResult.UpdateFailed;
      this.s.state = FumoState.UpdateFailedHaveData;
    } else {
      applyFirmware(pending.targetVersion);
      result = FumoResult.Successful;
      this.s.state = FumoState.UpdateSuccessfulNoData;
      this.s.packageComplete = false;
      this.s.receivedBytes = 0;
      this.s.expectedBytes = 0;
      void rm(this.store.packagePath, { force: true });
    }
    this.s.pendingInstall = undefined;
    this.queueAlert(pending.operation, result, pending.correlator);
    this.store.save();
    return result;
  }

  /** The phone's user refused the install: the package stays (70), the result is reported. */
  cancelInstall(result: number): void {
    const pending = this.s.pendingInstall;
    if (!pending) return;
    this.s.pendingInstall = undefined;
    this.s.state = FumoState.UpdateFailedHaveData;
    this.queueAlert(pending.operation, result, pending.correlator);
    this.store.save();
  }

  /** After a restart of the simulator: settle a transfer that was cut (state 20, bytes kept). */
  async recoverAfterRestart(): Promise<void> {
    if (this.s.state === FumoState.DownloadProgressing && !this.s.pendingInstall) {
      // The file may hold more than the state recorded; keep only what was recorded.
      await truncate(this.store.packagePath, this.s.receivedBytes).catch(() => undefined);
      this.s.state = FumoState.DownloadFailed;
      this.store.save();
    }
  }

  /**
   * A Replace of PkgData in one message whose Meta/Size is larger than its data: the last piece of
   * a resumed large object that fits in one message (the server sends Size with the first item it
   * sends, no MoreData on the last). It completes a held partial package exactly like a resumed
   * chunked transfer; anything else is a size mismatch (424) and starts nothing.
   */
  async replaceRemainder(d: ItemData | undefined, size: number, options: { resume?: boolean } = {}): Promise<number> {
    const bytes = d === undefined ? new Uint8Array(0) : typeof d === 'string' ? encoder.encode(d) : d;
    const sink = await this.beginPackage(size, options);
    if (!('write' in sink)) return sink.status;
    if ((sink.resumeOffset ?? 0) + bytes.length !== size) {
      await sink.abort('size mismatch');
      return 424;
    }
    try {
      if (bytes.length > 0) await sink.write(bytes);
    } catch (e) {
      await sink.abort(`write failed: ${e instanceof Error ? e.message : String(e)}`).catch(() => undefined);
      throw e;
    }
    return (await sink.finish()).status;
  }

  private async dropPackage(): Promise<void> {
    await rm(this.store.packagePath, { force: true });
    this.s.packageComplete = false;
    this.s.receivedBytes = 0;
    this.s.expectedBytes = 0;
  }

  private queueAlert(op: FumoOperation, result: number, correlator: string | undefined): void {
    const alert: GenericAlert = {
      type: FUMO_ALERT_TYPE_PREFIX + op,
      format: 'int',
      mark: result >= 200 && result < 300 ? 'informational' : 'critical',
      sourceURI: this.root,
      data: String(result),
    };
    if (correlator !== undefined) alert.correlator = correlator;
    this.store.state.pendingAlerts.push(alert);
  }
}

/** GET `url` into `path` with node:http; resolves with a FUMO result code (200 or a download failure). */
export function fetchToFile(url: string, path: string, progress: (bytes: number, total: number) => void): Promise<number> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve(FumoResult.MalformedUrl);
      return;
    }
    if (u.protocol !== 'http:') {
      resolve(FumoResult.MalformedUrl);
      return;
    }
    const req = httpRequest(u, { method: 'GET' }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve(res.statusCode === 404 ? FumoResult.MalformedUrl : 500);
        return;
      }
      const total = Number(res.headers['content-length'] ?? 0);
      const out = createWriteStream(path);
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        progress(n, total);
      });
      res.pipe(out);
      out.on('finish', () => resolve(total > 0 && n !== total ? FumoResult.DownloadFailedNetwork : 200));
      out.on('error', () => resolve(FumoResult.DownloadFailedNetwork));
      res.on('error', () => resolve(FumoResult.DownloadFailedNetwork));
    });
    req.on('error', () => resolve(FumoResult.DownloadServerUnavailable));
    req.end();
  });
}
