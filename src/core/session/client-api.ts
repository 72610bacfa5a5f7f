/**
 * The client side of a DM session, as the reference device (src/simulator) and test clients
 * see it: the session engine (./client) speaks the protocol (package 1, authentication, large
 * object reassembly, multi-message packages, statuses) and calls a ClientHandler for the
 * meaning of each management command.
 */
import type { ItemData, MetInf } from '../dm/model';
import type { GenericAlert, NodeValue } from './api';

export interface CommandReply {
  /** Status code for the command, e.g. 200, 202, 404, 405, 425. */
  status: number;
  /** For Get: the values to return in Results. */
  values?: NodeValue[];
}

/** Receives a large object chunk by chunk; the engine checks sizes and sends 213/424/413/412. */
export interface LargeObjectSink {
  /**
   * Resume: bytes of this object the sink already holds from an interrupted transfer (chunks it
   * acknowledged with 213 before). The engine counts them toward Meta/Size; the server resumes
   * at exactly this offset (ReplaceLargeOptions.startOffset). Absent = a fresh object.
   */
  readonly resumeOffset?: number;
  write(chunk: Uint8Array): Promise<void>;
  /** The last chunk has arrived and sizes matched; the reply is the status of the whole Replace/Add. */
  finish(): Promise<CommandReply>;
  /** The object was abandoned (interrupted, size mismatch, session ended). */
  abort(reason: string): Promise<void>;
}

export interface UserInteraction {
  /** 1100 display, 1101 confirm, 1102 text input, 1103 single choice, 1104 multiple choice. */
  code: 1100 | 1101 | 1102 | 1103 | 1104;
  /** Parsed Item 1 options: MINDT, MAXDT, DR, MAXLEN, IT, ET (unknown ones dropped). */
  options: Record<string, string>;
  text: string;
  /** For 1103/1104: the choices (Item 3 on), numbered from 1. */
  choices: string[];
}

export interface UserInteractionReply {
  /** 200 yes/ok, 304 no, 214 cancelled, 408 timeout, 406 no UI. */
  status: number;
  /** For 1102-1104: the answer items (text, or chosen numbers). */
  data?: string[];
}

export interface ClientHandler {
  get(uri: string): Promise<CommandReply>;
  replace(uri: string, data: ItemData | undefined, meta: MetInf | undefined): Promise<CommandReply>;
  add(uri: string, data: ItemData | undefined, meta: MetInf | undefined): Promise<CommandReply>;
  delete(uri: string): Promise<CommandReply>;
  copy?(targetUri: string, sourceUri: string): Promise<CommandReply>;
  exec(uri: string, options: { correlator?: string; data?: string }): Promise<CommandReply>;
  /** Open a sink for a large object Replace/Add of `uri` announced with `size` bytes. */
  beginLargeObject(uri: string, size: number, meta: MetInf | undefined): Promise<LargeObjectSink | CommandReply>;
  userInteraction(alert: UserInteraction): Promise<UserInteractionReply>;
  /**
   * Generic Alerts to report now (e.g. a FUMO result after an Exec answered 202). The engine
   * calls it before composing each message and sends what it returns in that message.
   */
  takeGenericAlerts?(): GenericAlert[];
}

export interface ClientSessionOptions {
  devId: string;
  serverId: string;
  /** 1200 (after package 0) or 1201 (the client starts the session). */
  initiator: 'server' | 'client';
  sessionId: string;
  devInfo: Record<string, string>;
  /** Generic Alerts to report in package 1 (pending FUMO results, update requests). */
  genericAlerts?: GenericAlert[];
  encoding: 'xml' | 'wbxml';
  maxMsgSize?: number;
  maxObjSize?: number;
  /** SyncHdr Target/LocURI of the server; defaults to serverId. */
  serverUri?: string;
  /** Scheme the client presents from package 1 on; 'none' (default) = only when challenged. */
  clientAuth?: 'none' | 'basic' | 'md5' | 'hmac';
  /** Scheme the client demands of the server's credentials; 'none' (default) = does not check. */
  serverAuth?: 'none' | 'basic' | 'md5' | 'hmac';
  /**
   * Build credentials on the resynchronisation nonce 0x00000000 (after package 0 verified only
   * with it), and accept the server's credentials built on it.
   */
  resyncNonce?: boolean;
}

/** How a client session ended (failures reject with a KioskError instead). */
export interface ClientSessionOutcome {
  messagesSent: number;
  messagesReceived: number;
  /** The server presented credentials the client accepted. */
  serverAuthenticated: boolean;
  /** Generic Alerts the server acknowledged (200/202). */
  deliveredAlerts: GenericAlert[];
  /** Generic Alerts the session ended without delivering (report them in the next session). */
  undeliveredAlerts: GenericAlert[];
  /** The server's RespURI, when it sent one. */
  respURI?: string;
}
