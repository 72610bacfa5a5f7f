/**
 * The shape of WebUSB's USBDevice that the kiosk's USB link needs, shared with the simulator's
 * in-process stand-in so both ends agree on it without importing each other.
 */
/** The `usb` package's WebUSBDevice fits it. */
export interface WebUsbEndpointLike {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
  packetSize: number;
}

export interface WebUsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string | null | undefined;
  readonly opened: boolean;
  readonly configuration: {
    configurationValue: number;
    interfaces: Array<{ interfaceNumber: number; alternates: Array<{ alternateSetting: number; endpoints: WebUsbEndpointLike[] }> }>;
  } | null | undefined;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void>;
  clearHalt(direction: 'in' | 'out', endpointNumber: number): Promise<void>;
  /**
   * `timeoutMs`: the `usb` package's extension of WebUSB (its default is 1000 ms, after which the
   * transfer fails); the standard API and the stand-in have no timeout and ignore it.
   */
  transferIn(endpointNumber: number, length: number, timeoutMs?: number): Promise<{ data?: DataView | undefined; status?: 'ok' | 'stall' | 'babble' | undefined }>;
  transferOut(endpointNumber: number, data: Uint8Array<ArrayBuffer>, timeoutMs?: number): Promise<{ bytesWritten: number; status?: 'ok' | 'stall' | 'babble' | undefined }>;
}

