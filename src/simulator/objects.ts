/**
 * The standard objects of the reference device (OMA-TS-DM_StdObj, chapter 7.1): DevInfo,
 * DevDetail (with the vendor Ext the kiosk reads for pre-flight checks) and DMAcc.
 */
import type { Acl, DmTree } from './tree';
import type { AccountRecord } from './state';

export const DEVINFO_URN = 'urn:oma:mo:oma-dm-devinfo:1.0';
export const DEVDETAIL_URN = 'urn:oma:mo:oma-dm-devdetail:1.0';
export const DMACC_URN = 'urn:oma:mo:oma-dm-dmacc:1.0';

export interface DeviceIdentity {
  devId: string;
  manufacturer: string;
  model: string;
  language: string;
  devType: string;
  oem: string;
}

export interface DeviceReadings {
  fwVersion(): string;
  swVersion(): string;
  hwVersion(): string;
  batteryPercent(): number;
  externalPower(): boolean;
  freeSpaceBytes(): number;
}

const READ_ONLY = ['Get'] as const;

export function buildDevInfo(tree: DmTree, id: DeviceIdentity): void {
  tree.defineInterior('./DevInfo', { type: DEVINFO_URN, accessTypes: READ_ONLY, permanent: true, acl: { Get: ['*'] } });
  const leaf = (name: string, value: string): void => {
    tree.defineLeaf(`./DevInfo/${name}`, { format: 'chr', accessTypes: READ_ONLY, permanent: true, value });
  };
  leaf('DevId', id.devId);
  leaf('Man', id.manufacturer);
  leaf('Mod', id.model);
  leaf('DmV', '1.2');
  leaf('Lang', id.language);
}

export function buildDevDetail(tree: DmTree, id: DeviceIdentity, readings: DeviceReadings): void {
  tree.defineInterior('./DevDetail', { type: DEVDETAIL_URN, accessTypes: READ_ONLY, permanent: true, acl: { Get: ['*'] } });
  const leaf = (name: string, format: 'chr' | 'int' | 'bool', read: () => string): void => {
    tree.defineLeaf(`./DevDetail/${name}`, { format, accessTypes: READ_ONLY, permanent: true, read });
  };
  leaf('DevTyp', 'chr', () => id.devType);
  leaf('OEM', 'chr', () => id.oem);
  leaf('FwV', 'chr', () => readings.fwVersion());
  leaf('SwV', 'chr', () => readings.swVersion());
  leaf('HwV', 'chr', () => readings.hwVersion());
  leaf('LrgObj', 'bool', () => 'true');
  tree.defineInterior('./DevDetail/URI', { accessTypes: READ_ONLY, permanent: true });
  leaf('URI/MaxDepth', 'int', () => String(tree.limits.maxDepth));
  leaf('URI/MaxTotLen', 'int', () => String(tree.limits.maxTotLen));
  leaf('URI/MaxSegLen', 'int', () => String(tree.limits.maxSegLen));
  tree.defineInterior('./DevDetail/Ext', { accessTypes: READ_ONLY, permanent: true });
  leaf('Ext/Battery', 'int', () => String(readings.batteryPercent()));
  leaf('Ext/ExternalPower', 'bool', () => String(readings.externalPower()));
  leaf('Ext/FreeSpace', 'int', () => String(readings.freeSpaceBytes()));
}

/** ./DMAcc with one subtree per account; each account is managed by its own server only. */
export function buildDmAcc(tree: DmTree, accounts: readonly AccountRecord[]): void {
  tree.defineInterior('./DMAcc', { type: DMACC_URN, accessTypes: ['Get', 'Add'], permanent: true, acl: { Get: ['*'], Add: ['*'] } });
  for (const a of accounts) addAccountNodes(tree, a);
}

export function addAccountNodes(tree: DmTree, a: AccountRecord): void {
  const base = `./DMAcc/${a.id}`;
  const acl: Acl = { Get: [a.serverId], Replace: [a.serverId], Add: [a.serverId], Delete: [a.serverId] };
  const rw = ['Get', 'Replace', 'Add', 'Delete'] as const;
  tree.defineInterior(base, { acl, accessTypes: ['Get', 'Add', 'Delete', 'Replace'] });
  const leaf = (path: string, value: string, accessTypes: readonly ('Get' | 'Replace' | 'Add' | 'Delete')[] = rw): void => {
    tree.defineLeaf(`${base}/${path}`, { format: 'chr', value, accessTypes });
  };
  leaf('AppID', 'w7', ['Get']);
  leaf('ServerID', a.serverId);
  leaf('Name', a.name);
  tree.defineInterior(`${base}/AppAddr`);
  tree.defineInterior(`${base}/AppAddr/1`);
  leaf('AppAddr/1/Addr', a.addr);
  leaf('AppAddr/1/AddrType', a.addr.startsWith('http') ? 'URI' : 'OBEX');
  leaf('AAuthPref', a.authType);
  tree.defineInterior(`${base}/AppAuth`);
  // Secrets are write-only: no Get access type, so a Get is refused with 405 whoever asks.
  const secret = ['Replace', 'Add', 'Delete'] as const;
  tree.defineInterior(`${base}/AppAuth/Client`);
  leaf('AppAuth/Client/AAuthLevel', 'CLCRED');
  leaf('AppAuth/Client/AAuthType', a.authType);
  leaf('AppAuth/Client/AAuthName', a.clientName);
  leaf('AppAuth/Client/AAuthSecret', a.clientSecret, secret);
  leaf('AppAuth/Client/AAuthData', '', secret);
  tree.defineInterior(`${base}/AppAuth/Server`);
  leaf('AppAuth/Server/AAuthLevel', 'SRVCRED');
  leaf('AppAuth/Server/AAuthType', a.authType);
  leaf('AppAuth/Server/AAuthName', a.serverName);
  leaf('AppAuth/Server/AAuthSecret', a.serverSecret, secret);
  leaf('AppAuth/Server/AAuthData', '', secret);
}

/** Read the accounts back from the tree (after a server added or changed one). */
export function accountsFromTree(tree: DmTree): AccountRecord[] {
  const out: AccountRecord[] = [];
  for (const id of tree.childNames('./DMAcc')) {
    const base = `./DMAcc/${id}`;
    const t = (p: string): string => tree.text(`${base}/${p}`) ?? '';
    const serverId = t('ServerID');
    if (!serverId) continue;
    out.push({
      id,
      serverId,
      name: t('Name'),
      addr: t('AppAddr/1/Addr'),
      authType: t('AAuthPref') || t('AppAuth/Client/AAuthType') || 'syncml:auth-md5',
      clientName: t('AppAuth/Client/AAuthName'),
      clientSecret: t('AppAuth/Client/AAuthSecret'),
      serverName: t('AppAuth/Server/AAuthName'),
      serverSecret: t('AppAuth/Server/AAuthSecret'),
    });
  }
  return out;
}
