/**
 * The demo's trust policy: the reference phones (simulated, announced by `fumo-kiosk simulate`
 * or started by the demo itself) are let in and authenticate with the simulator's shared demo
 * account. Used only in demo mode; a kiosk outside it trusts no simulated phone.
 */
import type { DeviceTrust, SharedAccount } from '../services/device-trust';

/** The credentials the reference simulator's phones carry (simulate's default account). */
export const SIMULATED_ACCOUNT: SharedAccount = { serverId: 'fumo-kiosk', clientSecret: 'sim-client-secret', serverSecret: 'sim-server-secret' };

export function demoTrust(): DeviceTrust {
  /** The demo's own phones: they arrive through the demo's own source only. */
  const own = new Set<string>();
  return {
    name: 'demo',
    admits: (d) => {
      // The demo's own phones arrive through their own source; a scanner may see them too.
      if (d.devIdHint && own.has(d.devIdHint) && d.portId !== `sim:${d.devIdHint}`) return false;
      return true;
    },
    trust: (devId, ownPhone) => {
      if (ownPhone) own.add(devId);
    },
    // Demo mode: every phone that presents the simulator's published account is let in (simulated
    // phones calling the DM endpoint announce themselves only in their package 1).
    sharedAccount: () => SIMULATED_ACCOUNT,
  };
}
