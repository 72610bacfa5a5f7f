/**
 * `fumo-kiosk settings` as an administrator runs it, in real processes:
 * - the receipt: the shop's name and address and the receipt printer set on the command line,
 *   then `history print` puts them on paper on that queue of a private CUPS scheduler (read
 *   back with pdftotext), not on the system's default printer;
 * - the DM endpoint: a stored address is served, the flags win over it, and a stored plain-HTTP
 *   address beyond loopback without the cable mark stops the start (exit 2, plain message).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';
import { cliChildren, type CliChildren } from '../../support/cli-children';
import { makeTestCa } from '../../support/test-ca';
import { haveTools } from '../../support/tools';
import { cupsToolsPresent, startPrivateCups, type PrivateCups } from '../receipts/private-cups';
import { seedKiosk } from '../receipts/seed';

const SLOW = 120_000;

describe.skipIf(!cupsToolsPresent('settings CLI receipt test'))('settings set shopName, shopAddress and receiptPrinter, then history print', () => {
  let dir: string;
  let cups: PrivateCups;
  let cli: CliChildren;
  let data: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fumo-settings-cli-'));
    chmodSync(dir, 0o755);
    cups = await startPrivateCups(path.join(dir, 'cups'), 'theke');
    // A second queue as the system's default, so the receipt reaches "theke" only because it was chosen.
    cups.run('lpadmin', ['-p', 'office', '-E', '-v', 'file:///dev/null', '-P', path.join(dir, 'cups', 'receipt-pdf.ppd')]);
    cups.run('lpadmin', ['-d', 'office']);
    cli = cliChildren('fumo-settings-cli-run-', { CUPS_SERVER: cups.server });
    data = path.join(dir, 'data');
    await seedKiosk(data, { language: 'de' });
  }, SLOW);

  afterAll(async () => {
    cli?.stop();
    await cups?.stop();
    if (cli) rmSync(cli.root, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the settings, sets them with the same checks, and the printed receipt carries them', async () => {
    const set = await cli.run(['settings', 'set', 'shopName', 'Telefon-Eck Lindner', 'shopAddress', 'Lindenweg 3\n04109 Leipzig', 'receiptPrinter', 'theke', '--data', data]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('shopName = "Telefon-Eck Lindner"');
    expect(set.stdout).toContain('receiptPrinter = "theke"');

    const listed = await cli.run(['settings', '--data', data]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^shopName\s+"Telefon-Eck Lindner"$/m);
    expect(listed.stdout).toMatch(/^receiptPaper\s+"a4"\s+\(default\)$/m);
    expect(listed.stdout).toMatch(/^allowNonLoopback\s+false\s+\(default\)$/m);

    const printed = await cli.run(['history', 'print', 'h1', '--data', data]);
    expect(printed.code, printed.stderr).toBe(0);
    const job = /on theke \(print job (theke-\d+)\)/.exec(printed.stdout)?.[1];
    expect(job, printed.stdout).toBeTruthy();
    const jobs = (which: string): string[] => cups.run('lpstat', ['-W', which, '-o', 'theke']).split('\n').map((l) => l.split(/\s+/)[0] ?? '');
    await cups.waitFor(`print job ${job} to finish`, () => (jobs('completed').includes(job!) && !jobs('not-completed').includes(job!) ? true : undefined));
    expect(statSync(cups.outFile).size, cups.log()).toBeGreaterThan(0);
    expect(readFileSync(cups.outFile).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', cups.outFile, '-'], { encoding: 'utf8' });
    const page = text.stdout.replace(/[ \t\u00a0\u202f]+/g, ' ');
    expect(page).toContain('Beleg über die Software-Aktualisierung');
    expect(page).toContain('Telefon-Eck Lindner');
    expect(page).toContain('Lindenweg 3');
    expect(page).toContain('04109 Leipzig');
    expect(page).not.toContain('Handy-Service Müller');
  }, SLOW);

  it('refuses a value it does not accept, names the setting, changes nothing (exit 2)', async () => {
    const paper = await cli.run(['settings', 'set', 'receiptPaper', 'letter', 'shopName', 'Anders', '--data', data]);
    expect(paper.code).toBe(2);
    expect(paper.stderr).toContain('setting receiptPaper');
    const unknown = await cli.run(['settings', 'set', 'shopColour', 'red', '--data', data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('there is no setting "shopColour"; fumo-kiosk settings lists them');
    const number = await cli.run(['settings', 'set', 'concurrency', 'many', '--data', data]);
    expect(number.code).toBe(2);
    expect(number.stderr).toContain('concurrency is a number (got "many")');
    const s = openStore(data);
    try {
      expect(s.settings.get('shopName')).toBe('Telefon-Eck Lindner');
      expect(s.settings.get('receiptPaper')).toBe('a4');
    } finally {
      s.close();
    }
  }, SLOW);

  it('sets allowNonLoopback, and says how in --help', async () => {
    const r = await cli.run(['settings', 'set', 'allowNonLoopback', 'true', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('allowNonLoopback = true');
    const help = await cli.run(['settings', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('fumo-kiosk settings set KEY VALUE');
    expect(help.stdout).toContain('dmCable');
  }, SLOW);
});

describe('the DM endpoint from the settings', () => {
  const cli = cliChildren('fumo-settings-dm-');
  afterAll(() => {
    cli.stop();
    rmSync(cli.root, { recursive: true, force: true });
  });
  const data = (name: string): string => path.join(cli.root, name);
  const update = (dataDir: string, ...more: string[]) => cli.run(['update', '--all', '--demo', '--data', dataDir, '--scan-ms', '0', ...more]);

  it('serves a stored address; the --dm-listen flag wins over it', async () => {
    const set = await cli.run(['settings', 'set', 'dmListen', '127.0.0.2:0', '--data', data('k1')]);
    expect(set.code, set.stderr).toBe(0);
    const stored = await update(data('k1'));
    expect(stored.stderr).toMatch(/DM endpoint: http:\/\/127\.0\.0\.2:\d+\/dm/);
    expect(stored.stderr).toContain('No phone is attached.');
    expect(stored.code, stored.stderr).toBe(5);
    const flagged = await update(data('k1'), '--dm-listen', '127.0.0.3:0');
    expect(flagged.stderr).toMatch(/DM endpoint: http:\/\/127\.0\.0\.3:\d+\/dm/);
    expect(flagged.stderr).not.toContain('127.0.0.2');
    expect(flagged.code, flagged.stderr).toBe(5);
  }, SLOW);

  it.skipIf(!networkInterfaces()['lo'])('a stored interface name is served on its addresses', async () => {
    expect((await cli.run(['settings', 'set', 'dmListen', 'lo:0', '--data', data('k2')])).code).toBe(0);
    const r = await update(data('k2'));
    expect(r.stderr).toMatch(/DM endpoint: http:\/\/127\.0\.0\.1:\d+\/dm/);
    expect(r.code, r.stderr).toBe(5);
  }, SLOW);

  it('a stored plain-HTTP address beyond loopback without the cable mark: refused at set, and at start (exit 2, nothing listens)', async () => {
    const set = await cli.run(['settings', 'set', 'dmListen', '192.0.2.10:8080', '--data', data('k3')]);
    expect(set.code).toBe(2);
    expect(set.stderr).toContain('the DM endpoint serves 192.0.2.10 only over HTTPS');
    expect(set.stderr).toContain('192.0.2.10:8080 in the setting dmCable');
    // Stored anyway (an older kiosk, an edited database): the start refuses it the same way.
    const s = openStore(data('k3'));
    try {
      s.settings.patch({ dmListen: ['192.0.2.10:8080'] });
    } finally {
      s.close();
    }
    const r = await update(data('k3'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('the DM endpoint serves 192.0.2.10 only over HTTPS');
    expect(r.stderr).not.toContain('DM endpoint: http');
    // The same address given as a flag: the same message.
    const flag = await update(data('k4'), '--dm-listen', '192.0.2.10:8080');
    expect(flag.code).toBe(2);
    expect(flag.stderr.replace(/fumo-kiosk update: /, '')).toBe(r.stderr.replace(/fumo-kiosk update: /, ''));
  }, SLOW);

  it.skipIf(!haveTools('settings CLI HTTPS test', ['openssl'], 'openssl', ['version']))('stored certificate and key paths: HTTPS on the stored address; a key gone since refuses the start (exit 2)', async () => {
    const ca = makeTestCa(mkdirAt(path.join(cli.root, 'ca')));
    const key = path.join(cli.root, 'dm-key.pem');
    copyFileSync(ca.key, key);
    const set = await cli.run(['settings', 'set', 'dmListen', '127.0.0.4:0', 'dmCertFile', ca.cert, 'dmKeyFile', key, '--data', data('k5')]);
    expect(set.code, set.stderr).toBe(0);
    const served = await update(data('k5'));
    expect(served.stderr).toMatch(/DM endpoint: https:\/\/127\.0\.0\.4:\d+\/dm/);
    expect(served.code, served.stderr).toBe(5);
    rmSync(key);
    const gone = await update(data('k5'));
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`the DM endpoint's key ${key} cannot be read`);
    expect(gone.stderr).not.toContain('DM endpoint: http');
  }, SLOW);
});

function mkdirAt(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
