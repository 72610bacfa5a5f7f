/**
 * The SyncML DM 1.2 message model (OMA-TS-DM_RepPro). One typed tree for every codec:
 * the XML codec and the WBXML codec both decode to and encode from these types, so a
 * message can travel XML -> model -> WBXML and back without loss.
 *
 * Conventions:
 * - Element values that the specification types as PCDATA stay strings (CmdID, MsgRef, ...).
 *   Numeric meta values (Size, MaxMsgSize, MaxObjSize) are numbers.
 * - Item data is either text or bytes. Bytes come from WBXML OPAQUE, or from XML data whose
 *   effective Meta/Format is b64; the XML encoder writes bytes as base64, the WBXML encoder as OPAQUE.
 *   Decoders report the Format of decoded bytes as 'bin' (the b64 of XML is only how bytes travel
 *   there), so both encodings decode to the same model; encoders write b64 (XML) or bin (WBXML)
 *   wherever a bytes item's effective Format is, adding it to the item when there is none.
 *   OPAQUE whose effective Format is textual (chr, int, ... or none, whose default is chr) is
 *   read as UTF-8 text. Item Data is kept verbatim; every other leaf value is trimmed.
 * - Optional elements are absent (undefined), never empty strings, so "present but empty"
 *   (e.g. `<MoreData/>`, `<Final/>`, `<NoResp/>`) is a boolean `true`.
 */

export type VerDTD = '1.2' | '1.1';

/** Meta information (MetInf name space). */
export interface MetInf {
  format?: string;
  type?: string;
  mark?: string;
  /** Size of the whole object in bytes (only in the first chunk of a large object). */
  size?: number;
  /** NextNonce as it stands on the wire (base64 text). */
  nextNonce?: string;
  version?: string;
  maxMsgSize?: number;
  maxObjSize?: number;
  /** Experimental meta information, kept verbatim. */
  emi?: string[];
}

/** Target or Source: a URI and an optional name. */
export interface LocTarget {
  locURI: string;
  locName?: string;
}

/** Credentials (SyncHdr, or a Status/Alert): Meta (Type, Format) and the encoded value. */
export interface Cred {
  meta: MetInf;
  data: string;
}

/** Authentication challenge carried in a Status. */
export interface Chal {
  meta: MetInf;
}

export type ItemData = string | Uint8Array;

export interface Item {
  target?: LocTarget;
  source?: LocTarget;
  /** DM 1.2 SourceParent / TargetParent (used by Add in Sync; kept for completeness). */
  sourceParent?: string;
  targetParent?: string;
  meta?: MetInf;
  data?: ItemData;
  /** `<MoreData/>`: further chunks of this item follow. */
  moreData?: boolean;
}

export interface SyncHdr {
  verDTD: VerDTD;
  /** "DM/1.2" (or "DM/1.1" from DM 1.1.2 devices). */
  verProto: string;
  sessionID: string;
  msgID: string;
  target: LocTarget;
  source: LocTarget;
  respURI?: string;
  noResp?: boolean;
  cred?: Cred;
  meta?: MetInf;
}

interface CommandBase {
  cmdID: string;
  noResp?: boolean;
}

/** Add, Copy, Delete, Get, Replace: the item-carrying commands. */
export interface ItemCommand extends CommandBase {
  kind: 'Add' | 'Copy' | 'Delete' | 'Get' | 'Replace';
  cred?: Cred;
  meta?: MetInf;
  items: Item[];
}

export interface Exec extends CommandBase {
  kind: 'Exec';
  cred?: Cred;
  meta?: MetInf;
  /** DM 1.2 Correlator: echoed back by the client in the Generic Alert that reports the result. */
  correlator?: string;
  items: Item[];
}

export interface Alert extends CommandBase {
  kind: 'Alert';
  cred?: Cred;
  /** The alert code, e.g. "1201", "1226". */
  data?: string;
  correlator?: string;
  items: Item[];
}

export interface Atomic extends CommandBase {
  kind: 'Atomic';
  meta?: MetInf;
  commands: Command[];
}

export interface Sequence extends CommandBase {
  kind: 'Sequence';
  meta?: MetInf;
  commands: Command[];
}

export interface Results extends CommandBase {
  kind: 'Results';
  msgRef?: string;
  cmdRef: string;
  meta?: MetInf;
  targetRefs: string[];
  sourceRefs: string[];
  items: Item[];
}

export interface Status {
  kind: 'Status';
  cmdID: string;
  msgRef: string;
  cmdRef: string;
  /** Name of the command this status is for ("SyncHdr", "Get", ...). */
  cmd: string;
  targetRefs: string[];
  sourceRefs: string[];
  cred?: Cred;
  chal?: Chal;
  /** The status code as text, e.g. "200". */
  data: string;
  items: Item[];
}

export type Command = ItemCommand | Exec | Alert | Atomic | Sequence | Results | Status;
export type CommandKind = Command['kind'];

export interface SyncMLMessage {
  header: SyncHdr;
  body: Command[];
  /** `<Final/>` present: this is the last message of the package. */
  final: boolean;
}

/** Content types of DM messages; the older `application/vnd.syncml+*` forms are accepted on input. */
export const CONTENT_TYPE_XML = 'application/vnd.syncml.dm+xml';
export const CONTENT_TYPE_WBXML = 'application/vnd.syncml.dm+wbxml';
export type Encoding = 'xml' | 'wbxml';

/** Normalise a content type header to the encoding it names, or undefined when it is not a DM type. */
export function encodingOfContentType(contentType: string): Encoding | undefined {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (base) {
    case 'application/vnd.syncml.dm+xml':
    case 'application/vnd.syncml+xml':
      return 'xml';
    case 'application/vnd.syncml.dm+wbxml':
    case 'application/vnd.syncml+wbxml':
      return 'wbxml';
    default:
      return undefined;
  }
}

export function contentTypeOf(encoding: Encoding): string {
  return encoding === 'xml' ? CONTENT_TYPE_XML : CONTENT_TYPE_WBXML;
}
