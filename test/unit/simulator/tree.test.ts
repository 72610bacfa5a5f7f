import { describe, expect, it } from 'vitest';
import { DmTree, formatAcl, normaliseUri, parseAcl } from '../../../src/simulator/tree';

function sampleTree(): DmTree {
  const t = new DmTree({ maxDepth: 4, maxTotLen: 40, maxSegLen: 10 });
  t.defineInterior('./Vendor', { type: 'urn:example:mo:vendor:1.0', acl: { Get: ['*'], Add: ['srvA'], Replace: ['srvA'], Delete: ['srvA'] } });
  t.defineLeaf('./Vendor/Name', { format: 'chr', value: 'hello' });
  t.defineLeaf('./Vendor/Count', { format: 'int', value: '3' });
  t.defineLeaf('./Vendor/On', { format: 'bool', value: 'false' });
  t.defineLeaf('./Vendor/Blob', { format: 'bin', value: new Uint8Array([1, 2, 3]) });
  t.defineLeaf('./Vendor/Fixed', { format: 'chr', value: 'x', accessTypes: ['Get'], permanent: true });
  t.defineLeaf('./Vendor/Secret', { format: 'chr', value: 's3cret', accessTypes: ['Replace'] });
  let runs = 0;
  t.defineInterior('./Vendor/Reset', { accessTypes: ['Get', 'Exec'], acl: { Exec: ['srvA'], Get: ['*'] }, exec: () => ++runs && 200 });
  return t;
}

describe('URI normalisation', () => {
  it('adds ./ and removes trailing and doubled slashes', () => {
    expect(normaliseUri('DevInfo/DevId')).toBe('./DevInfo/DevId');
    expect(normaliseUri('./DevInfo//DevId/')).toBe('./DevInfo/DevId');
    expect(normaliseUri('/DevInfo')).toBe('./DevInfo');
    expect(normaliseUri('.')).toBe('.');
    expect(normaliseUri('./')).toBe('.');
  });

  it('finds the same node with or without the ./ prefix', () => {
    const t = sampleTree();
    expect(t.get('srvA', 'Vendor/Name').values[0]?.data).toBe('hello');
    expect(t.get('srvA', './Vendor/Name').values[0]?.data).toBe('hello');
  });
});

describe('Get', () => {
  it('returns a leaf with its format and an interior node with its children', () => {
    const t = sampleTree();
    const leaf = t.get('srvA', './Vendor/Count');
    expect(leaf.status).toBe(200);
    expect(leaf.values[0]).toMatchObject({ uri: './Vendor/Count', format: 'int', data: '3' });
    const node = t.get('srvA', './Vendor');
    expect(node.values[0]?.format).toBe('node');
    expect(String(node.values[0]?.data).split('/').sort()).toEqual(['Blob', 'Count', 'Fixed', 'Name', 'On', 'Reset', 'Secret']);
  });

  it('404 for a missing node, 405 for a node without Get, 414 over the limits', () => {
    const t = sampleTree();
    expect(t.get('srvA', './Vendor/Nope').status).toBe(404);
    expect(t.get('srvA', './Vendor/Secret').status).toBe(405);
    expect(t.get('srvA', './a/b/c/d/e').status).toBe(414); // depth 5 > 4
    expect(t.get('srvA', './Vendor/ABCDEFGHIJK').status).toBe(414); // segment of 11 > 10
    const long = './Vendor/' + 'x'.repeat(10) + '/' + 'y'.repeat(10) + '/' + 'z'.repeat(10); // depth 4, segments of 10
    expect(long.length).toBe(41);
    expect(t.get('srvA', long).status).toBe(414); // total 41 > 40
    expect(t.get('srvA', long.slice(0, -1)).status).toBe(404); // 40: within limits, just absent
  });
});

describe('ACL', () => {
  it('inherits the nearest ancestor ACL and refuses other servers with 425', () => {
    const t = sampleTree();
    expect(t.replace('srvA', './Vendor/Name', 'new', { format: 'chr' })).toBe(200);
    expect(t.replace('srvB', './Vendor/Name', 'other', { format: 'chr' })).toBe(425);
    expect(t.get('srvB', './Vendor/Name').values[0]?.data).toBe('new');
  });

  it('reads ?prop=ACL and lets a server with Replace on the parent change it', () => {
    const t = sampleTree();
    expect(t.get('srvA', './Vendor?prop=ACL').values[0]?.data).toBe('Add=srvA&Delete=srvA&Get=*&Replace=srvA');
    // The root grants Replace to everyone, so srvB may set the ACL of ./Vendor ...
    expect(t.replace('srvB', './Vendor?prop=ACL', 'Get=*&Replace=srvB', undefined)).toBe(200);
    expect(t.replace('srvB', './Vendor/Name', 'b', undefined)).toBe(200);
    expect(t.replace('srvA', './Vendor/Name', 'a', undefined)).toBe(425);
    // ... but the ACL of ./Vendor/Name needs Replace on ./Vendor, which srvA no longer has.
    expect(t.replace('srvA', './Vendor/Name?prop=ACL', 'Get=*', undefined)).toBe(425);
    expect(t.replace('srvB', './Vendor/Name?prop=ACL', 'Get=*&Bogus', undefined)).toBe(400);
  });

  it('parses and formats ACL strings', () => {
    expect(parseAcl('Add=a+b&Get=*')).toEqual({ Add: ['a', 'b'], Get: ['*'] });
    expect(parseAcl('Frob=a')).toBeUndefined();
    expect(formatAcl({ Get: ['*'], Add: ['x', 'y'] })).toBe('Add=x+y&Get=*');
  });
});

describe('properties', () => {
  it('answers ?prop=Type, Format, Name, Size and refuses to change Format', () => {
    const t = sampleTree();
    expect(t.get('srvA', './Vendor?prop=Type').values[0]?.data).toBe('urn:example:mo:vendor:1.0');
    expect(t.get('srvA', './Vendor/On?prop=Format').values[0]?.data).toBe('bool');
    expect(t.get('srvA', './Vendor/Name?prop=Name').values[0]?.data).toBe('Name');
    expect(t.get('srvA', './Vendor/Blob?prop=Size').values[0]?.data).toBe('3');
    expect(t.get('srvA', './Vendor/Name?prop=Type').values[0]?.uri).toBe('./Vendor/Name?prop=Type');
    expect(t.replace('srvA', './Vendor/Name?prop=Format', 'int', undefined)).toBe(405);
    expect(t.get('srvA', './Vendor?prop=Bogus').status).toBe(406);
  });

  it('lists a subtree with ?list=Struct (no data) and ?list=StructData (data)', () => {
    const t = sampleTree();
    const s = t.get('srvA', './Vendor?list=Struct');
    expect(s.status).toBe(200);
    const uris = s.values.map((v) => v.uri);
    expect(uris).toContain('./Vendor');
    expect(uris).toContain('./Vendor/Reset');
    expect(uris).toContain('./Vendor/Name');
    expect(s.values.every((v) => v.data === undefined)).toBe(true);
    const d = t.get('srvA', './Vendor?list=StructData');
    expect(d.values.find((v) => v.uri === './Vendor/Name')?.data).toBe('hello');
    // A write-only leaf is listed but its value never leaves the device.
    expect(d.values.find((v) => v.uri === './Vendor/Secret')?.data).toBeUndefined();
  });
});

describe('formats', () => {
  it('checks int and bool values and keeps binary as bytes', () => {
    const t = sampleTree();
    expect(t.replace('srvA', './Vendor/Count', 'twelve', { format: 'int' })).toBe(400);
    expect(t.replace('srvA', './Vendor/Count', '12', { format: 'int' })).toBe(200);
    expect(t.replace('srvA', './Vendor/On', 'maybe', undefined)).toBe(400);
    expect(t.replace('srvA', './Vendor/On', 'true', { format: 'bool' })).toBe(200);
    expect(t.replace('srvA', './Vendor/Count', 'abc', { format: 'bin' })).toBe(415);
    expect(t.replace('srvA', './Vendor/Blob', new Uint8Array([9, 9]), { format: 'b64' })).toBe(200);
    expect(t.get('srvA', './Vendor/Blob').values[0]?.data).toEqual(new Uint8Array([9, 9]));
  });
});

describe('Add, Delete, Exec', () => {
  it('Add creates nodes (and missing interior parents), 418 when it exists, 425 without Add', () => {
    const t = sampleTree();
    expect(t.add('srvA', './Vendor/New/Leaf', '7', { format: 'int' })).toBe(200);
    expect(t.get('srvA', './Vendor/New').values[0]?.format).toBe('node');
    expect(t.get('srvA', './Vendor/New/Leaf').values[0]?.data).toBe('7');
    expect(t.add('srvA', './Vendor/New/Leaf', '8', { format: 'int' })).toBe(418);
    expect(t.add('srvB', './Vendor/Other', 'x', undefined)).toBe(425);
    expect(t.add('srvA', './Vendor/Name/Under', 'x', undefined)).toBe(405);
    expect(t.add('srvA', './Vendor/Dir', undefined, { format: 'node' })).toBe(200);
  });

  it('Delete removes a subtree; permanent nodes 405; other servers 425; missing 404', () => {
    const t = sampleTree();
    expect(t.add('srvA', './Vendor/Tmp/A', 'x', undefined)).toBe(200);
    expect(t.delete('srvB', './Vendor/Tmp')).toBe(425);
    expect(t.delete('srvA', './Vendor/Tmp')).toBe(200);
    expect(t.get('srvA', './Vendor/Tmp/A').status).toBe(404);
    expect(t.delete('srvA', './Vendor/Fixed')).toBe(405);
    expect(t.delete('srvA', './Vendor/Tmp')).toBe(404);
  });

  it('Exec runs the node for a permitted server only', async () => {
    const t = sampleTree();
    expect(await t.exec('srvB', './Vendor/Reset', {})).toBe(425);
    expect(await t.exec('srvA', './Vendor/Reset', {})).toBe(200);
    expect(await t.exec('srvA', './Vendor/Name', {})).toBe(405);
    expect(await t.exec('srvA', './Vendor/Gone', {})).toBe(404);
  });
});
