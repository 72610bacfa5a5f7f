/**
 * OMA push of a DM notification (package 0) over UDP: a connectionless WSP Push PDU
 * (WAP-230 WSP 8.2.4.1: TID, PDU type 0x06, HeadersLen as uintvar, ContentType, Headers, Data)
 * whose content type is application/vnd.syncml.notification (well-known 0x44) and whose
 * X-Wap-Application-Id (header field 0x2F) is x-wap-application:syncml.dm (push app id 0x07).
 * It goes to UDP port 2948, the WAP connectionless push port.
 */
import { DecodeError } from '../errors';

export const WAP_PUSH_UDP_PORT = 2948;
export const WSP_PDU_PUSH = 0x06;
/** Well-known content type application/vnd.syncml.notification. */
export const WSP_CT_SYNCML_NOTIFICATION = 0x44;
/** Header field X-Wap-Application-Id. */
export const WSP_HEADER_X_WAP_APPLICATION_ID = 0x2f;
/** Push application id x-wap-application:syncml.dm. */
export const PUSH_APP_ID_SYNCML_DM = 0x07;

export interface WspPush {
  tid: number;
  /** The well-known content type code, or the text of a textual one. */
  contentType: number | string;
  /** X-Wap-Application-Id as a well-known code, when present. */
  applicationId?: number;
  body: Uint8Array;
}

function uintvar(n: number): number[] {
  const out = [n & 0x7f];
  for (let v = n >>> 7; v > 0; v >>>= 7) out.unshift(0x80 | (v & 0x7f));
  return out;
}

/** The Push PDU carrying one package 0 for the DM client. */
export function encodeWspPush(body: Uint8Array, tid = 0): Uint8Array {
  const headers = [0x80 | WSP_CT_SYNCML_NOTIFICATION, 0x80 | WSP_HEADER_X_WAP_APPLICATION_ID, 0x80 | PUSH_APP_ID_SYNCML_DM];
  const head = [tid & 0xff, WSP_PDU_PUSH, ...uintvar(headers.length), ...headers];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function bad(detail: string): DecodeError {
  return new DecodeError(`WSP push: ${detail}`);
}

/** Read a connectionless Push PDU; anything else is a DECODE_ERROR. */
export function decodeWspPush(b: Uint8Array): WspPush {
  if (b.length < 3) throw bad('too short');
  const tid = b[0]!;
  if (b[1] !== WSP_PDU_PUSH) throw bad(`PDU type 0x${b[1]!.toString(16)} is not Push`);
  let i = 2;
  let headersLen = 0;
  for (let n = 0; ; n++) {
    if (i >= b.length || n > 4) throw bad('HeadersLen runs past the end');
    const o = b[i++]!;
    headersLen = headersLen * 128 + (o & 0x7f);
    if ((o & 0x80) === 0) break;
  }
  const end = i + headersLen;
  if (headersLen === 0 || end > b.length) throw bad('headers run past the end');
  let contentType: number | string;
  const first = b[i]!;
  if (first & 0x80) {
    contentType = first & 0x7f;
    i += 1;
  } else if (first >= 0x20 && first < 0x80) {
    const z = b.indexOf(0, i);
    if (z < 0 || z >= end) throw bad('content type text has no end');
    contentType = new TextDecoder().decode(b.subarray(i, z));
    i = z + 1;
  } else {
    // Content-general-form (a value length first): the media type is the first part.
    const len = first < 31 ? first : -1;
    if (len < 0) throw bad('content type length form not supported');
    const v = b[i + 1];
    contentType = v !== undefined && v & 0x80 ? v & 0x7f : new TextDecoder().decode(b.subarray(i + 1, b.indexOf(0, i + 1)));
    i += 1 + len;
  }
  let applicationId: number | undefined;
  while (i < end) {
    const field = b[i++]!;
    if (field === (0x80 | WSP_HEADER_X_WAP_APPLICATION_ID) && i < end && b[i]! & 0x80) {
      applicationId = b[i++]! & 0x7f;
      continue;
    }
    // Any other header: skip its value (short integer, text to its NUL, or a value length).
    const v = b[i];
    if (v === undefined) break;
    if (v & 0x80) i += 1;
    else if (v < 31) i += 1 + v;
    else if (v === 31) throw bad('long header values not supported');
    else {
      const z = b.indexOf(0, i);
      i = z < 0 ? end : z + 1;
    }
  }
  if (i > end) throw bad('headers run past the end');
  return { tid, contentType, ...(applicationId !== undefined ? { applicationId } : {}), body: b.slice(end) };
}

/** Whether a push carries a DM notification for the DM client. */
export function isDmNotificationPush(p: WspPush): boolean {
  const typeOk = p.contentType === WSP_CT_SYNCML_NOTIFICATION || p.contentType === 'application/vnd.syncml.notification';
  return typeOk && (p.applicationId === undefined || p.applicationId === PUSH_APP_ID_SYNCML_DM);
}
