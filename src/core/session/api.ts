/**
 * What the rest of the kiosk sees of a DM server session: the device's greeting (package 1)
 * and one awaitable method per management step. The session engine (./server) implements
 * it on top of a Link; the FUMO job (src/core/fumo) consumes it; tests may fake it.
 *
 * Every method sends the server's next package (the statuses owed to the client plus the new
 * commands, split over several messages when MaxMsgSize demands) and resolves when the client's
 * statuses and results for those commands have arrived. Failures reject with a KioskError
 * (LINK_TIMEOUT, CABLE_UNPLUGGED, SESSION_ABORTED, AUTH_FAILED, PROTOCOL_ERROR).
 */
import type { Encoding, ItemData } from '../dm/model';

/** A Generic Alert (1226) as reported by the client, e.g. a FUMO result. */
export interface GenericAlert {
  /** Meta/Type with any `Reversed-Domain-Name:` prefix removed, e.g. org.openmobilealliance.dm.firmwareupdate.update */
  type: string;
  format?: string;
  mark?: string;
  /** Item/Source/LocURI: the MO (or the exec'd node). */
  sourceURI?: string;
  /** Item/Data: for FUMO the result code, e.g. "200". */
  data?: string;
  correlator?: string;
}

/** Package 1 as understood by the session. */
export interface ClientHello {
  /** SyncHdr Source/LocURI, e.g. IMEI:493005100592800 */
  devId: string;
  sessionId: string;
  /** 1200: the server asked for this session (package 0); 1201: the client started it. */
  initiator: 'server' | 'client';
  /** The ./DevInfo leaves the client sent, keyed by leaf name (DevId, Man, Mod, DmV, Lang). */
  devInfo: Record<string, string>;
  /** Generic Alerts carried in package 1 (pending FUMO results, user or device requests). */
  genericAlerts: GenericAlert[];
  encoding: Encoding;
  /** The client's MaxMsgSize / MaxObjSize from its SyncHdr Meta, when sent. */
  maxMsgSize?: number;
  maxObjSize?: number;
  /** The account name the client authenticated with, when it did. */
  authenticatedAs?: string;
}

export interface NodeValue {
  uri: string;
  format?: string;
  type?: string;
  data?: ItemData;
}

export interface GetResult {
  /** Status of the Get, e.g. 200, 404, 425. */
  status: number;
  values: NodeValue[];
}

/** Random-access, pull-based source of a large object: the object is never held whole. */
export interface LargeObjectSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface LargeObjectProgress {
  /** Bytes of the object acknowledged by the client (status 213 or the final 200). */
  acknowledgedBytes: number;
  totalBytes: number;
}

export interface ReplaceLargeOptions {
  format?: string;
  type?: string;
  /** Resume: begin at this byte offset (a chunk boundary the client acknowledged before). */
  startOffset?: number;
  onProgress?(progress: LargeObjectProgress): void;
  /** Asked before each chunk: at most this many object bytes in it (undefined: as many as the message holds). */
  chunkBytes?(): number | undefined;
  signal?: AbortSignal;
}

/** User interaction options (Alert 1100-1104 Item 1), in seconds where the spec says so. */
export interface UserInteractionOptions {
  minDisplaySeconds?: number;
  maxDisplaySeconds?: number;
  /** Default response, e.g. "0" (no) or "1" (yes) for 1101. */
  defaultResponse?: string;
}

export type ConfirmAnswer = 'yes' | 'no' | 'cancelled' | 'timeout' | 'unsupported';

export interface DmSession {
  readonly hello: ClientHello;
  /** Generic Alerts the client sent after package 1, in arrival order (each answered with 200). */
  readonly genericAlerts: readonly GenericAlert[];
  readonly ended: boolean;
  /** The device's RespURI, when it sent one (a Link that routes by URI may use it). */
  readonly respURI?: string;

  get(uris: string[]): Promise<GetResult[]>;
  replace(uri: string, data: ItemData, meta?: { format?: string; type?: string }): Promise<number>;
  add(uri: string, data: ItemData | undefined, meta?: { format?: string; type?: string }): Promise<number>;
  delete(uri: string): Promise<number>;
  /** Replace one node with a large object in chunks sized to the client's limits. Resolves with the final status. */
  replaceLarge(uri: string, source: LargeObjectSource, options?: ReplaceLargeOptions): Promise<number>;
  exec(uri: string, options?: { correlator?: string; data?: string }): Promise<number>;
  /** Alert 1100: show text; resolves with the status (200, or 406 when the client has no UI). */
  display(text: string, options?: UserInteractionOptions): Promise<number>;
  /** Alert 1101: ask yes or no. */
  confirm(text: string, options?: UserInteractionOptions): Promise<ConfirmAnswer>;
  /**
   * Keep the session open until the client sends a Generic Alert matching `predicate`
   * (the client sends it in a later package of this session), or the timeout ends.
   */
  waitForGenericAlert(predicate: (alert: GenericAlert) => boolean, timeoutMs: number): Promise<GenericAlert>;
  /** End cleanly: a final package with the owed statuses and no new commands. */
  end(): Promise<void>;
}
