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
  /**
   * A read on an idle link, where nothing is expected yet: an abort before the peer begins its
   * message takes the read back and leaves the link usable (CANCELLED); an abort after that is
   * ignored and the message is read to its end, so nothing the peer sent is lost. Without it an
   * abort may leave the link unusable.
   */
  idle?: boolean;
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
