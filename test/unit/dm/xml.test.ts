import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors';
import { decodeXml, encodeXml } from '../../../src/core/dm/xml';
import type { SyncMLMessage } from '../../../src/core/dm/model';
import { DEV, SRV, message, xmlMessage } from './helpers';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('XML decoding, element by element', () => {
  it('reads the SyncHdr with Cred, Meta, RespURI and NoResp', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID> 4F </SessionID><MsgID>1</MsgID>
    <Target><LocURI>${SRV}</LocURI><LocName>srv</LocName></Target>
    <Source><LocURI>${DEV}</LocURI></Source>
    <RespURI>http://x/y</RespURI>
    <NoResp/>
    <Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type><Format xmlns="syncml:metinf">b64</Format></Meta><Data>dXNlcjpwYXNz</Data></Cred>
    <Meta><MaxMsgSize xmlns="syncml:metinf">10000</MaxMsgSize><MaxObjSize xmlns="syncml:metinf">2000000</MaxObjSize></Meta>
  </SyncHdr>
  <SyncBody/>
</SyncML>`;
    const m = decodeXml(xml);
    expect(m).toEqual({
      header: {
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionID: '4F',
        msgID: '1',
        target: { locURI: SRV, locName: 'srv' },
        source: { locURI: DEV },
        respURI: 'http://x/y',
        noResp: true,
        cred: { meta: { type: 'syncml:auth-basic', format: 'b64' }, data: 'dXNlcjpwYXNz' },
        meta: { maxMsgSize: 10000, maxObjSize: 2000000 },
      },
      body: [],
      final: false,
    } satisfies SyncMLMessage);
  });

  it('reads a Status with Chal and NextNonce, refs and items', () => {
    const m = decodeXml(
      xmlMessage(
        '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>a</TargetRef><TargetRef>b</TargetRef>' +
          '<SourceRef>c</SourceRef><Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type><Format xmlns="syncml:metinf">b64</Format>' +
          '<NextNonce xmlns="syncml:metinf">Tm9uY2U=</NextNonce></Meta></Chal><Data>401</Data><Item><Data>x</Data></Item></Status>',
      ),
    );
    expect(m.body).toEqual([
      {
        kind: 'Status',
        cmdID: '1',
        msgRef: '1',
        cmdRef: '0',
        cmd: 'SyncHdr',
        targetRefs: ['a', 'b'],
        sourceRefs: ['c'],
        chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'Tm9uY2U=' } },
        data: '401',
        items: [{ data: 'x' }],
      },
    ]);
    expect(m.final).toBe(true);
  });

  it('reads Alert with Correlator before or after Data', () => {
    const a = decodeXml(xmlMessage('<Alert><CmdID>2</CmdID><Data>1226</Data><Correlator>c1</Correlator></Alert>'));
    const b = decodeXml(xmlMessage('<Alert><CmdID>2</CmdID><Correlator>c1</Correlator><Data>1226</Data></Alert>'));
    expect(a.body).toEqual([{ kind: 'Alert', cmdID: '2', data: '1226', correlator: 'c1', items: [] }]);
    expect(b).toEqual(a);
  });

  it('reads the item commands, Exec and its Correlator, NoResp, Cred and Meta', () => {
    for (const kind of ['Add', 'Copy', 'Delete', 'Get', 'Replace'] as const) {
      const m = decodeXml(
        xmlMessage(
          `<${kind}><CmdID>7</CmdID><NoResp/><Meta><Format xmlns="syncml:metinf">chr</Format></Meta>` +
            `<Item><Target><LocURI>./a</LocURI></Target><Source><LocURI>./b</LocURI><LocName>n</LocName></Source><Data>v</Data></Item></${kind}>`,
        ),
      );
      expect(m.body).toEqual([
        { kind, cmdID: '7', noResp: true, meta: { format: 'chr' }, items: [{ target: { locURI: './a' }, source: { locURI: './b', locName: 'n' }, data: 'v' }] },
      ]);
    }
    const e = decodeXml(xmlMessage('<Exec><CmdID>3</CmdID><Correlator>abc</Correlator><Item><Target><LocURI>./FUMO/x/Update</LocURI></Target></Item></Exec>'));
    expect(e.body).toEqual([{ kind: 'Exec', cmdID: '3', correlator: 'abc', items: [{ target: { locURI: './FUMO/x/Update' } }] }]);
  });

  it('reads Atomic and Sequence with nested commands', () => {
    const m = decodeXml(
      xmlMessage('<Atomic><CmdID>1</CmdID><Sequence><CmdID>2</CmdID><Get><CmdID>3</CmdID><Item><Target><LocURI>./x</LocURI></Target></Item></Get></Sequence></Atomic>'),
    );
    expect(m.body).toEqual([
      { kind: 'Atomic', cmdID: '1', commands: [{ kind: 'Sequence', cmdID: '2', commands: [{ kind: 'Get', cmdID: '3', items: [{ target: { locURI: './x' } }] }] }] },
    ]);
  });

  it('reads Results with MsgRef, refs and meta', () => {
    const m = decodeXml(
      xmlMessage(
        '<Results><CmdID>4</CmdID><MsgRef>2</MsgRef><CmdRef>3</CmdRef><Meta><Format xmlns="syncml:metinf">int</Format></Meta>' +
          '<TargetRef>./t</TargetRef><SourceRef>./s</SourceRef><Item><Source><LocURI>./s</LocURI></Source><Data>10</Data></Item></Results>',
      ),
    );
    expect(m.body).toEqual([
      { kind: 'Results', cmdID: '4', msgRef: '2', cmdRef: '3', meta: { format: 'int' }, targetRefs: ['./t'], sourceRefs: ['./s'], items: [{ source: { locURI: './s' }, data: '10' }] },
    ]);
  });

  it('decodes b64 item data to bytes (item or command Format) and reports the bytes as bin', () => {
    const m = decodeXml(
      xmlMessage(
        '<Replace><CmdID>1</CmdID><Item><Meta><Format xmlns="syncml:metinf">b64</Format><Size xmlns="syncml:metinf">3</Size></Meta>' +
          '<Data>\n  AAEC\n</Data><MoreData/></Item></Replace>' +
          '<Replace><CmdID>2</CmdID><Meta><Format xmlns="syncml:metinf">b64</Format></Meta><Item><Data>/w==</Data></Item></Replace>',
      ),
    );
    expect(m.body).toEqual([
      { kind: 'Replace', cmdID: '1', items: [{ meta: { format: 'bin', size: 3 }, data: new Uint8Array([0, 1, 2]), moreData: true }] },
      { kind: 'Replace', cmdID: '2', meta: { format: 'bin' }, items: [{ data: new Uint8Array([255]) }] },
    ]);
  });

  it('reads all meta fields including EMI, Mark, Version and Type', () => {
    const m = decodeXml(
      xmlMessage(
        '<Alert><CmdID>1</CmdID><Data>1226</Data><Item><Meta><Type xmlns="syncml:metinf">t</Type><Format xmlns="syncml:metinf">int</Format>' +
          '<Mark xmlns="syncml:metinf">critical</Mark><Version xmlns="syncml:metinf">1.0</Version><EMI xmlns="syncml:metinf">e1</EMI>' +
          '<EMI xmlns="syncml:metinf">e2</EMI><Anchor xmlns="syncml:metinf"><Last>1</Last></Anchor></Meta><Data>200</Data></Item></Alert>',
      ),
    );
    expect(m.body[0]).toEqual({
      kind: 'Alert',
      cmdID: '1',
      data: '1226',
      items: [{ meta: { type: 't', format: 'int', mark: 'critical', version: '1.0', emi: ['e1', 'e2'] }, data: '200' }],
    });
  });

  it('reads SourceParent and TargetParent', () => {
    const m = decodeXml(
      xmlMessage('<Add><CmdID>1</CmdID><Item><SourceParent><LocURI>./p</LocURI></SourceParent><TargetParent><LocURI>./q</LocURI></TargetParent></Item></Add>'),
    );
    expect(m.body[0]).toEqual({ kind: 'Add', cmdID: '1', items: [{ sourceParent: './p', targetParent: './q' }] });
  });

  it('handles references, CDATA, comments, PIs, DOCTYPE, BOM, prefixes and SyncML 1.1', () => {
    const xml =
      '\uFEFF<?xml version="1.0"?><!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "x.dtd" [ <!ENTITY e "boom"> ]>' +
      '<!-- c --><?pi x?><s:SyncML xmlns:s="SYNCML:SYNCML1.1"><s:SyncHdr><s:VerDTD>1.1</s:VerDTD><s:VerProto>DM/1.1</s:VerProto>' +
      '<s:SessionID>1</s:SessionID><s:MsgID>1</s:MsgID><s:Target><s:LocURI>a</s:LocURI></s:Target><s:Source><s:LocURI>b</s:LocURI></s:Source>' +
      '</s:SyncHdr><s:SyncBody><s:Replace><s:CmdID>1</s:CmdID><s:Item><s:Data>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;<![CDATA[<&]]></s:Data></s:Item>' +
      '</s:Replace><!-- tail --></s:SyncBody></s:SyncML>';
    const m = decodeXml(new TextEncoder().encode(xml));
    expect(m.header.verDTD).toBe('1.1');
    expect(m.body).toEqual([{ kind: 'Replace', cmdID: '1', items: [{ data: `<>&"'AB<&` }] }]);
  });

  it('reads a document that declares ISO-8859-1', () => {
    const xml = xmlMessage('<Alert><CmdID>1</CmdID><Data>1100</Data><Item><Data>Gr\u00fc\u00dfe</Data></Item></Alert>');
    const bytes = Uint8Array.from('<?xml version="1.0" encoding="ISO-8859-1"?>' + xml, (c) => c.charCodeAt(0));
    expect(decodeXml(bytes).body[0]).toMatchObject({ items: [{ data: 'Gr\u00fc\u00dfe' }] });
    expect(() => decodeXml(Uint8Array.from('<?xml version="1.0"?>' + xml, (c) => c.charCodeAt(0)))).toThrow(DecodeError);
  });

  it('keeps nested XML in Data as its XML text', () => {
    const ddf = '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>x</NodeName></Node></MgmtTree>';
    const m = decodeXml(xmlMessage(`<Results><CmdID>1</CmdID><CmdRef>2</CmdRef><Item><Data>\n${ddf}\n</Data></Item></Results>`));
    expect(m.body[0]).toMatchObject({ items: [{ data: ddf }] });
  });

  it('refuses malformed and hostile input with DecodeError', () => {
    const bad = [
      '',
      '<SyncML>',
      '<SyncML xmlns="SYNCML:SYNCML1.2"></SyncHdr>',
      xmlMessage('<Get><CmdID>1</CmdID></Get>').replace('<VerDTD>1.2', '<VerDTD>9.9'),
      xmlMessage('<Status><CmdID>1</CmdID></Status>'),
      xmlMessage('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data><x/></Data></Status>'),
      xmlMessage('<Get><CmdID>1</CmdID><Item><Data>&xxe;</Data></Item></Get>'),
      xmlMessage('<Sync><CmdID>1</CmdID></Sync>'),
      xmlMessage('<Replace><CmdID>1</CmdID><Item><Meta><Format xmlns="syncml:metinf">b64</Format></Meta><Data>!!!</Data></Item></Replace>'),
      xmlMessage('<Replace><CmdID>1</CmdID><Item><Meta><Size xmlns="syncml:metinf">-1</Size></Meta></Item></Replace>'),
      '<a>' + '<b>'.repeat(40) + '</b>'.repeat(40) + '</a>',
      new Uint8Array([0x3c, 0xff, 0xfe, 0x3e]),
    ];
    for (const input of bad) {
      expect(() => decodeXml(input), String(input).slice(0, 80)).toThrow(DecodeError);
    }
    try {
      decodeXml(xmlMessage('<Status><CmdID>1</CmdID></Status>'));
    } catch (e) {
      expect((e as DecodeError).offset).toBe(xmlMessage('').indexOf('<Final/>'));
    }
  });
});

describe('XML error offsets', () => {
  it('gives byte offsets for byte input, character offsets for text input', () => {
    const xml = xmlMessage('<Replace><CmdID>1</CmdID><Item><Data>\u20ac\u20ac</Data></Item></Replace><Bad>&nope;</Bad>');
    const chars = xml.indexOf('&nope;');
    const bytes = new TextEncoder().encode(xml);
    const errAt = (input: string | Uint8Array) => {
      try {
        decodeXml(input);
      } catch (e) {
        return (e as DecodeError).offset;
      }
      return undefined;
    };
    // Text nodes are reported where they begin: after "<Bad>".
    expect(errAt(xml)).toBe(chars);
    expect(errAt(bytes)).toBe(chars + 4); // two euro signs: 3 bytes each instead of 1 character
    expect(errAt(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]))).toBe(chars + 7);
  });
});

describe('XML encoding', () => {
  it('writes the SyncML and MetInf name spaces, DTD order and base64 bytes', () => {
    const m = message([
      {
        kind: 'Replace',
        cmdID: '3',
        items: [{ target: { locURI: './FUMO/x/Update/PkgData' }, meta: { format: 'bin', size: 3, type: 'application/octet-stream' }, data: new Uint8Array([0, 1, 2]), moreData: true }],
      },
    ]);
    const xml = text(encodeXml(m));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>')).toBe(true);
    expect(xml).toContain(
      '<Item><Target><LocURI>./FUMO/x/Update/PkgData</LocURI></Target><Meta><Format xmlns="syncml:metinf">b64</Format>' +
        '<Type xmlns="syncml:metinf">application/octet-stream</Type><Size xmlns="syncml:metinf">3</Size></Meta><Data>AAEC</Data><MoreData/></Item>',
    );
    expect(xml.endsWith('<Final/></SyncBody></SyncML>')).toBe(true);
  });

  it('escapes markup characters and keeps CR', () => {
    const m = message([{ kind: 'Alert', cmdID: '1', data: '1100', items: [{ data: 'a<b>&c\r\nd' }] }]);
    const xml = text(encodeXml(m));
    expect(xml).toContain('<Data>a&lt;b&gt;&amp;c&#13;\nd</Data>');
    expect(decodeXml(xml)).toEqual(m);
  });

  it('writes SyncML 1.1 with its name space', () => {
    const m = message([]);
    m.header.verDTD = '1.1';
    expect(text(encodeXml(m))).toContain('<SyncML xmlns="SYNCML:SYNCML1.1">');
  });
});
