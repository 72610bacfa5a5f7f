/** What a device profile tells the FUMO job about where to find things on the phone. */
import type { DeviceNodeMap } from '../../core/fumo/ports';
import type { DeviceProfile } from '../../transport/profiles';

/** Device profile values the FUMO job reads. */
export function nodesOf(profile: DeviceProfile): DeviceNodeMap {
  return {
    fumoUri: profile.fumoPath,
    ...(profile.batteryNode ? { batteryUri: profile.batteryNode } : {}),
    ...(profile.externalPowerNode ? { externalPowerUri: profile.externalPowerNode } : {}),
    freeSpaceUri: './DevDetail/Ext/FreeSpace',
    // DownloadAndUpdate with a PkgURL served by the kiosk itself where the phone can reach it over HTTP.
    httpCapable: profile.linkKind === 'http' || profile.httpPayload === true,
    // The job reads <fumo>/Ext/ReceivedBytes and writes <fumo>/Ext/PkgId under the FUMO root it finds.
    ...(profile.resumeDownload ? { resumeSupported: true } : {}),
  };
}
