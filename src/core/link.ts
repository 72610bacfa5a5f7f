/**
 * A Link carries whole DM messages between the kiosk and one device, whatever the cable:
 * OBEX over serial or USB, or HTTP. The session layer only ever sees this interface.
 */
export interface DmPayload {
  body: Uint8Array;
  /** e.g. application/vnd.syncml.dm+wbxml */
  contentType: string;
  /** Transport headers that travel with the message (e.g. x-syncml-hmac). Names in lower case. */
  headers?: Record<string, string>;
}

export type LinkKind = 'serial' | 'usb' | 'http' | 'memory';

export interface ReceiveOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Link {
  readonly id: string;
  readonly kind: LinkKind;
  /** Send one message to the peer. Rejects with KioskError (CABLE_UNPLUGGED, LINK_TIMEOUT, ...). */
  send(message: DmPayload): Promise<void>;
  /** Wait for the peer's next message. Rejects with KioskError (LINK_TIMEOUT, CABLE_UNPLUGGED, ...). */
  receive(options?: ReceiveOptions): Promise<DmPayload>;
  close(): Promise<void>;
}
