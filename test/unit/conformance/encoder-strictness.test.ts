/**
 * Strict in what we send: element order of the SyncML 1.2 / MetInf 1.2 DTDs, name spaces,
 * versions, no NoResp where the DTD has none, no character XML 1.0 cannot carry, and
 * encodedSize equal to the bytes encodeMessage writes.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage, encodedSize } from '../../../src/core/dm/codec';
import type { Command, SyncMLMessage } from '../../../src/core/dm/model';
import { decodeXml, encodeXml } from '../../../src/core/dm/xml';
import { decodeWbxml, encodeWbxml } from '../../../src/core/dm/wbxml';

// Content models, written from the SyncML RepPro 1.2 and MetInf 1.2 DTDs: allowed children in order.
const COMMANDS = ['Add', 'Alert', 'Atomic', 'Copy', 'Delete', 'Exec', 'Get', 'Replace', 'Results', 'Sequence', 'Status'];
const DTD: Record<string, string[]> = {
  SyncML: ['SyncHdr', 'SyncBody'],
  SyncHdr: ['VerDTD', 'VerProto', 'SessionID', 'MsgID', 'Target', 'Source', 'RespURI', 'NoResp', 'Cred', 'Meta'],
  SyncBody: ['*commands', 'Final'],
  Status: ['CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'TargetRef', 'SourceRef', 'Cred', 'Chal', 'Data', 'Item'],
  Results: ['CmdID', 'MsgRef', 'CmdRef', 'Meta', 'TargetRef', 'SourceRef', 'Item'],
  Add: ['CmdID', 'NoResp', 'Cred', 'Meta', 'Item'],
  Replace: ['CmdID', 'NoResp', 'Cred', 'Meta', 'Item'],
  Delete: ['CmdID', 'NoResp', 'Archive', 'SftDel', 'Cred', 'Meta', 'Item'],
  Copy: ['CmdID', 'NoResp', 'Cred', 'Meta', 'Item'],
  Get: ['CmdID', 'NoResp', 'Lang', 'Cred', 'Meta', 'Item'],
  Exec: ['CmdID', 'NoResp', 'Cred', 'Meta', 'Correlator', 'Item'],
  Alert: ['CmdID', 'NoResp', 'Cred', 'Data', 'Correlator', 'Item'],
  Atomic: ['CmdID', 'NoResp', 'Meta', '*commands'],
  Sequence: ['CmdID', 'NoResp', 'Meta', '*commands'],
  Item: ['Target', 'Source', 'SourceParent', 'TargetParent', 'Meta', 'Data', 'MoreData'],
  Target: ['LocURI', 'LocName'],
  Source: ['LocURI', 'LocName'],
  SourceParent: ['LocURI'],
  TargetParent: ['LocURI'],
  Cred: ['Meta', 'Data'],
  Chal: ['Meta'],
  Meta: ['Format', 'Type', 'Mark', 'Size', 'Anchor', 'Version', 'NextNonce', 'MaxMsgSize', 'MaxObjSize', 'EMI', 'Mem', 'FieldLevel'],
};
const METINF = new Set(DTD.Meta);

interface Tag {
  name: string;
  attrs: string;
  children: Tag[];
}

/** A small reader of our own output (no comments, CDATA or processing instructions but the declaration). */
function tags(xml: string): Tag {
  const root: Tag = { name: '#doc', attrs: '', children: [] };
  const stack = [root];
  const re = /<(\/?)([A-Za-z]+)([^>]*?)(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml)) !== null) {
    const [, close, name, attrs, selfClose] = m;
    if (close) {
      const top = stack.pop()!;
      expect(top.name).toBe(name);
      continue;
    }
    const t: Tag = { name: name!, attrs: attrs!.trim(), children: [] };
    stack.at(-1)!.children.push(t);
    if (!selfClose) stack.push(t);
  }
  expect(stack).toHaveLength(1);
  return root.children[0]!;
}

function checkOrder(t: Tag, path = t.name): void {
  const model = DTD[t.name];
  if (model && t.children.length > 0) {
    let at = 0;
    for (const c of t.children) {
      const idx = model.findIndex((n, i) => i >= at && (n === c.name || (n === '*commands' && COMMANDS.includes(c.name))));
      expect(idx, `<${c.name}> in <${path}> (order ${t.children.map((x) => x.name).join(',')})`).toBeGreaterThanOrEqual(0);
      at = idx;
    }
  }
  for (const c of t.children) checkOrder(c, `${path}/${c.name}`);
}

function everyTag(t: Tag, f: (t: Tag, parent: Tag | undefined) => void, parent?: Tag): void {
  f(t, parent);
  for (const c of t.children) everyTag(c, f, t);
}

const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);

/** Every command shape, every optional element set, including the ones a model may set wrongly. */
function richMessage(): SyncMLMessage {
  const body: Command[] = [
    { kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: ['srv'], sourceRefs: ['dev'], cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'Zm9v' }, chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'bm9uY2U=' } }, data: '212', items: [{ data: 'x' }] },
    { kind: 'Results', cmdID: '2', noResp: true, msgRef: '1', cmdRef: '4', meta: { format: 'chr', type: 'text/plain' }, targetRefs: ['./a'], sourceRefs: ['./b'], items: [{ source: { locURI: './b', locName: 'n' }, meta: { format: 'chr' }, data: 'v' }] },
    { kind: 'Get', cmdID: '3', noResp: true, cred: { meta: { type: 'syncml:auth-basic' }, data: 'YTpi' }, meta: { type: 'text/plain' }, items: [{ target: { locURI: './c' } }] },
    { kind: 'Replace', cmdID: '4', meta: { format: 'bin', type: 'application/octet-stream' }, items: [{ target: { locURI: './d' }, meta: { size: 900 }, data: bytes, moreData: true }] },
    { kind: 'Add', cmdID: '5', items: [{ target: { locURI: './e' }, sourceParent: './p', targetParent: './q', meta: { format: 'node' } }] },
    { kind: 'Exec', cmdID: '6', cred: { meta: {}, data: 'z' }, meta: { format: 'chr' }, correlator: 'c-1', items: [{ target: { locURI: './FUMO/x/Update' }, data: 'go' }] },
    { kind: 'Alert', cmdID: '7', noResp: true, data: '1226', correlator: 'c-2', items: [{ source: { locURI: './FUMO/x' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical' }, data: '200' }] },
    {
      kind: 'Sequence',
      cmdID: '8',
      noResp: true,
      meta: { mark: 'x' },
      commands: [
        { kind: 'Alert', cmdID: '9', data: '1101', items: [{ data: 'MINDT=5' }, { data: 'ok?' }] },
        { kind: 'Atomic', cmdID: '10', commands: [{ kind: 'Delete', cmdID: '11', items: [{ target: { locURI: './f' } }] }] },
      ],
    },
    { kind: 'Copy', cmdID: '12', items: [{ target: { locURI: './g' }, source: { locURI: './h' } }] },
  ];
  return {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: '1A',
      msgID: '2',
      target: { locURI: 'IMEI:1', locName: 'dev' },
      source: { locURI: 'https://kiosk/dm', locName: 'kiosk' },
      respURI: 'https://kiosk/dm?s=1A',
      noResp: true,
      cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'abc=' },
      meta: { maxMsgSize: 10000, maxObjSize: 200000, emi: ['e1', 'e2'] },
    },
    body,
    final: true,
  };
}

describe('XML output follows the DTD', () => {
  const xml = new TextDecoder().decode(encodeXml(richMessage()));

  it('starts with a UTF-8 XML declaration and the SyncML 1.2 name space on the root', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2">')).toBe(true);
    expect(xml).toContain('<VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>');
  });

  it('every element has its children in DTD order and only children the DTD allows', () => {
    checkOrder(tags(xml.replace(/^<\?xml[^>]*\?>/, '')));
  });

  it('no NoResp in Results or Status (the DTD has none there); kept where allowed', () => {
    const root = tags(xml.replace(/^<\?xml[^>]*\?>/, ''));
    const where: string[] = [];
    everyTag(root, (t, parent) => {
      if (t.name === 'NoResp') where.push(parent!.name);
    });
    expect(where.sort()).toEqual(['Alert', 'Get', 'Sequence', 'SyncHdr']);
  });

  it('MetInf elements carry xmlns="syncml:metinf"; SyncML elements carry none below the root', () => {
    const root = tags(xml.replace(/^<\?xml[^>]*\?>/, ''));
    let metinf = 0;
    everyTag(root, (t, parent) => {
      if (t === root) return;
      if (parent?.name === 'Meta' && METINF.has(t.name)) {
        metinf++;
        expect(t.attrs).toBe('xmlns="syncml:metinf"');
      } else expect(t.attrs).toBe('');
    });
    expect(metinf).toBeGreaterThan(15);
  });

  it('the same model through WBXML keeps Results without NoResp', () => {
    const back = decodeWbxml(encodeWbxml(richMessage()));
    expect(back.body[1]!.kind).toBe('Results');
    expect((back.body[1] as { noResp?: boolean }).noResp).toBeUndefined();
    expect(decodeXml(encodeXml(richMessage())).body[1]).toEqual(back.body[1]);
  });
});

describe('WBXML output header and code pages', () => {
  it('WBXML 1.2, public id 0x1201 (SyncML 1.2), UTF-8, empty string table; Meta children on page 1', () => {
    const b = encodeWbxml(richMessage());
    // version 0x02 | mb_u_int32(0x1201) = A4 01 | charset 106 = 6A | strtbl length 0
    expect([...b.slice(0, 5)]).toEqual([0x02, 0xa4, 0x01, 0x6a, 0x00]);
    // The SyncML root with content: 0x2D | 0x40.
    expect(b[5]).toBe(0x6d);
    // Every Meta with content (0x1A | 0x40) is followed by SWITCH_PAGE to page 1.
    let metas = 0;
    for (let i = 5; i < b.length - 2; i++) {
      if (b[i] === 0x5a && b[i + 1] === 0x00 && b[i + 2] === 0x01) metas++;
    }
    expect(metas).toBeGreaterThanOrEqual(10);
  });
});

describe('no character XML 1.0 cannot carry', () => {
  const withText = (text: string): SyncMLMessage => {
    const m = richMessage();
    m.body = [{ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './t' }, data: text }] }];
    return m;
  };

  for (const [label, ch] of [
    ['NUL', '\u0000'],
    ['SOH', '\u0001'],
    ['ESC', '\u001b'],
    ['US', '\u001f'],
    ['U+FFFE', '\ufffe'],
    ['U+FFFF', '\uffff'],
  ] as const) {
    it(`refuses ${label} in XML text (encodeMessage and encodedSize alike); WBXML carries it`, () => {
      const m = withText(`a${ch}b`);
      expect(() => encodeMessage(m, 'xml')).toThrow(RangeError);
      expect(() => encodedSize(m, 'xml')).toThrow(RangeError);
      expect(decodeWbxml(encodeWbxml(m)).body[0]).toEqual(m.body[0]);
    });
  }

  it('tab, LF and CR travel (CR as a character reference); markup is escaped', () => {
    const m = withText('a\tb\nc\rd & <e> ]]>');
    const xml = new TextDecoder().decode(encodeXml(m));
    expect(xml).toContain('<Data>a\tb\nc&#13;d &amp; &lt;e&gt; ]]&gt;</Data>');
    expect(decodeXml(encodeXml(m)).body[0]).toEqual(m.body[0]);
  });
});

describe('encodedSize is the exact length of encodeMessage', () => {
  const samples: Array<[string, SyncMLMessage]> = [
    ['rich', richMessage()],
    [
      'multi-byte text and escapes',
      (() => {
        const m = richMessage();
        m.body = [{ kind: 'Replace', cmdID: '1', meta: { type: 'text/plain; charset=utf-8' }, items: [{ target: { locURI: './ü/€' }, data: 'Grüße € 𝄞 & <> \r\n' }] }];
        return m;
      })(),
    ],
    [
      'large bytes',
      (() => {
        const m = richMessage();
        m.body = [{ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './big' }, data: new Uint8Array(70_001).fill(0xab) }] }];
        return m;
      })(),
    ],
  ];
  for (const [label, m] of samples) {
    for (const encoding of ['xml', 'wbxml'] as const) {
      it(`${label} (${encoding})`, () => {
        expect(encodedSize(m, encoding)).toBe(encodeMessage(m, encoding).length);
      });
    }
  }
});
