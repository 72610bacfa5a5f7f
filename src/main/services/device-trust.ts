/**
 * Which phones this kiosk lets in beyond those it holds accounts for. A real kiosk trusts no
 * simulated phone: a simulated phone is refused at the door and nothing it announces is read.
 * Only the demo (src/main/demo/demo-trust.ts) passes a policy that lets the reference phones in
 * with their shared demo account.
 */
import { KioskError } from '../../core/errors';
import type { DiscoveredDevice } from '../links/scanner';

/** A simulated phone's shared account (the simulator's built-in credentials). */
export interface SharedAccount {
  serverId: string;
  clientSecret: string;
  serverSecret: string;
}

export interface DeviceTrust {
  /** "demo" only where simulated phones are let in. */
  readonly name: 'none' | 'demo';
  /** Whether a discovered device may be opened at all. */
  admits(d: DiscoveredDevice): boolean;
  /** Trust a simulated phone by its DevId; `own`: one of this kiosk's own demo phones. Refused outside demo mode. */
  trust(devId: string, own?: boolean): void;
  /** The shared account of a trusted simulated phone, else undefined. */
  sharedAccount(devId: string): SharedAccount | undefined;
}

/** The policy of a kiosk outside demo mode: no simulated phone is trusted. */
export function noSimulatedPhones(): DeviceTrust {
  return {
    name: 'none',
    admits: (d) => d.simulated !== true,
    trust: () => {
      throw new KioskError('INVALID_REQUEST', { detail: 'simulated phones are trusted in demo mode only' });
    },
    sharedAccount: () => undefined,
  };
}
