/**
 * The OMA DM OBEX binding as a Link: CONNECT (Target SYNCML-DM) -> PUT the message -> GET the
 * reply -> ... -> DISCONNECT. Either end of a cable may be the OBEX client, so a link is made
 * for the role a device profile names: ObexDmClient (send() = PUT, receive() = GET) or
 * ObexDmServer (receive() = the next complete PUT, send() = the answer to the next GET), both
 * over ObexDmLinkBase.
 *
 * Packets are as large as both sides allow (the smaller of the two announced maximum packet
 * lengths, at most 64 KiB); single response mode (OBEX 1.5) is used for an operation when both
 * sides offer it, so bulk data streams without a round trip per packet. Failures are
 * KioskErrors: CABLE_UNPLUGGED (the stream ended mid-exchange), LINK_TIMEOUT (no answer in
 * time, measured on the injected clock), PROTOCOL_ERROR, and DEVICE_MESSAGE_TOO_LARGE.
 *
 * Input from the peer is bounded while it arrives, never after: a packet whose length field is
 * above the maximum this side announced is refused when that field arrives; an object (Body and
 * End-of-Body over continue packets, with its HTTP header) is refused as soon as its announced
 * Length or its bytes so far pass `maxMessageBytes`; bytes received and not yet read (queued
 * packets, queued messages) never pass it either. Each overflow fails the link with
 * DEVICE_MESSAGE_TOO_LARGE and closes the stream, so the device stops filling memory.
 */
import type { ByteStream } from './byte-stream';
import { ObexDmClient } from './dm-client';
import type { ObexDmLinkOptions } from './dm-link-base';
import { ObexDmServer } from './dm-server';

export { ObexDmClient } from './dm-client';
export { ObexDmServer } from './dm-server';
export {
  OBEX_DM_NOTIFICATION,
  OBEX_DM_WBXML,
  OBEX_DM_XML,
  SYNCML_DM_TARGET,
  type ObexDmLinkInfo,
  type ObexDmLinkOptions,
  type ObexRole,
} from './dm-link-base';

/** An OBEX DM link in either role; `role` tells which. */
export type ObexDmLink = ObexDmClient | ObexDmServer;

/** The link for `options.role` over `stream`. */
export function createObexDmLink(stream: ByteStream, options: ObexDmLinkOptions & { role: 'client' }): ObexDmClient;
export function createObexDmLink(stream: ByteStream, options: ObexDmLinkOptions & { role: 'server' }): ObexDmServer;
export function createObexDmLink(stream: ByteStream, options: ObexDmLinkOptions): ObexDmLink;
export function createObexDmLink(stream: ByteStream, options: ObexDmLinkOptions): ObexDmLink {
  const { role, ...rest } = options;
  return role === 'client' ? new ObexDmClient(stream, rest) : new ObexDmServer(stream, rest);
}
