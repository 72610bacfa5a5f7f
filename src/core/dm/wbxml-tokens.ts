/**
 * WBXML token tables for SyncML DM 1.2 (code page 0 SyncML, 1 MetInf, 2 DM DDF) and the
 * global tokens of WBXML 1.1-1.3. Values as in dm-protocol-facts.md (WBXML section).
 */

export const WBXML_SWITCH_PAGE = 0x00;
export const WBXML_END = 0x01;
export const WBXML_ENTITY = 0x02;
export const WBXML_STR_I = 0x03;
export const WBXML_LITERAL = 0x04;
export const WBXML_EXT_I_0 = 0x40;
export const WBXML_EXT_I_1 = 0x41;
export const WBXML_EXT_I_2 = 0x42;
export const WBXML_PI = 0x43;
export const WBXML_LITERAL_C = 0x44;
export const WBXML_EXT_T_0 = 0x80;
export const WBXML_EXT_T_1 = 0x81;
export const WBXML_EXT_T_2 = 0x82;
export const WBXML_STR_T = 0x83;
export const WBXML_LITERAL_A = 0x84;
export const WBXML_EXT_0 = 0xc0;
export const WBXML_EXT_1 = 0xc1;
export const WBXML_EXT_2 = 0xc2;
export const WBXML_OPAQUE = 0xc3;
export const WBXML_LITERAL_AC = 0xc4;

/** Tag token flags. */
export const TAG_HAS_ATTRIBUTES = 0x80;
export const TAG_HAS_CONTENT = 0x40;

/** Public identifiers. */
export const PUBLIC_ID_SYNCML_12 = 0x1201;
export const PUBLIC_ID_METINF_12 = 0x1202;
export const PUBLIC_ID_DMDDF_12 = 0x1203;
export const PUBLIC_ID_SYNCML_11 = 0x0fd3;
export const PUBLIC_ID_METINF_11 = 0x0fd4;
export const FPI_SYNCML_12 = '-//SYNCML//DTD SyncML 1.2//EN';
export const FPI_SYNCML_11 = '-//SYNCML//DTD SyncML 1.1//EN';
export const FPI_METINF_12 = '-//SYNCML//DTD MetInf 1.2//EN';
export const FPI_DMDDF_12 = '-//OMA//DTD-DM-DDF 1.2//EN';

/** IANA MIBenum of UTF-8. */
export const CHARSET_UTF8 = 106;

export const PAGE_SYNCML = 0;
export const PAGE_METINF = 1;
export const PAGE_DDF = 2;

/** Name spaces of the code pages, as written in XML. */
export const NS_SYNCML_12 = 'SYNCML:SYNCML1.2';
export const NS_SYNCML_11 = 'SYNCML:SYNCML1.1';
export const NS_METINF = 'syncml:metinf';
export const NS_DMDDF = 'syncml:dmddf1.2';

const SYNCML_TAGS: readonly string[] = [
  'Add', 'Alert', 'Archive', 'Atomic', 'Chal', 'Cmd', 'CmdID', 'CmdRef', 'Copy', 'Cred', 'Data', // 05-0F
  'Delete', 'Exec', 'Final', 'Get', 'Item', 'Lang', 'LocName', 'LocURI', 'Map', 'MapItem', 'Meta', // 10-1A
  'MsgID', 'MsgRef', 'NoResp', 'NoResults', 'Put', 'Replace', 'RespURI', 'Results', 'Search', // 1B-23
  'Sequence', 'SessionID', 'SftDel', 'Source', 'SourceRef', 'Status', 'Sync', 'SyncBody', 'SyncHdr', // 24-2C
  'SyncML', 'Target', 'TargetRef', '', 'VerDTD', 'VerProto', 'NumberOfChanges', 'MoreData', 'Field', // 2D-35
  'Filter', 'Record', 'FilterType', 'SourceParent', 'TargetParent', 'Move', 'Correlator', // 36-3C
];

const METINF_TAGS: readonly string[] = [
  'Anchor', 'EMI', 'Format', 'FreeID', 'FreeMem', 'Last', 'Mark', 'MaxMsgSize', 'Mem', 'MetInf', 'Next', // 05-0F
  'NextNonce', 'SharedMem', 'Size', 'Type', 'Version', 'MaxObjSize', 'FieldLevel', // 10-16
];

const DDF_TAGS: readonly string[] = [
  'AccessType', 'ACL', 'Add', 'b64', 'bin', 'bool', 'chr', 'CaseSense', 'CIS', 'Copy', 'CS', // 05-0F
  'date', 'DDFName', 'DefaultValue', 'Delete', 'Description', 'DFFormat', 'DFProperties', 'DFTitle', // 10-17
  'DFType', 'Dynamic', 'Exec', 'float', 'Format', 'Get', 'int', 'Man', 'MgmtTree', 'MIME', 'Mod', // 18-22
  'Name', 'Node', 'node', 'NodeName', 'null', 'Occurrence', 'One', 'OneOrMore', 'OneOrN', 'Path', // 23-2C
  'Permanent', 'Replace', 'RTProperties', 'Scope', 'Size', 'time', 'Title', 'TStamp', 'Type', 'Value', // 2D-36
  'VerDTD', 'VerNo', 'xml', 'ZeroOrMore', 'ZeroOrN', 'ZeroOrOne', // 37-3C
];

function byToken(names: readonly string[]): (string | undefined)[] {
  const table: (string | undefined)[] = new Array<string | undefined>(64).fill(undefined);
  names.forEach((n, i) => {
    if (n) table[i + 5] = n;
  });
  return table;
}

function byName(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => {
    if (n) m.set(n, i + 5);
  });
  return m;
}

/** Tag names by page and token (without the attribute/content flags). */
export const TAG_NAMES: readonly (readonly (string | undefined)[])[] = [byToken(SYNCML_TAGS), byToken(METINF_TAGS), byToken(DDF_TAGS)];
/** Tokens by page and tag name. */
export const TAG_TOKENS: readonly ReadonlyMap<string, number>[] = [byName(SYNCML_TAGS), byName(METINF_TAGS), byName(DDF_TAGS)];
