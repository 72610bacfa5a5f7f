import { mkdirSync, mkdtempSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWebArgs } from '../../../src/main/cli/commands/web';
import { UsageError } from '../../../src/main/cli/command';
import { resetDemoData } from '../../../src/main/demo/demo-reset';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-demo-reset-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fumo-kiosk web --demo --reset', () => {
  it('is an option of the demo only', () => {
    expect(parseWebArgs(['--demo', '--reset']).reset).toBe(true);
    expect(parseWebArgs(['--demo']).reset).toBe(false);
    expect(() => parseWebArgs(['--reset'])).toThrow(UsageError);
    expect(() => parseWebArgs(['--reset', '--data', dir])).toThrow(/needs --demo/);
  });

  it('removes a folder the demo made, with everything in it', () => {
    const data = path.join(dir, 'demo');
    mkdirSync(path.join(data, 'demo-phones'), { recursive: true });
    writeFileSync(path.join(data, 'kiosk.db'), 'x');
    writeFileSync(path.join(data, 'demo-phones', 'phone-1.json'), '{}');
    expect(resetDemoData(data)).toEqual({ reset: true, removed: true });
    expect(existsSync(data)).toBe(false);
  });

  it('has nothing to do for a folder that is missing or empty', () => {
    expect(resetDemoData(path.join(dir, 'none'))).toEqual({ reset: true, removed: false });
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(resetDemoData(empty)).toEqual({ reset: true, removed: false });
    expect(existsSync(empty)).toBe(true);
  });

  it('keeps any other folder, such as a real kiosk\u2019s data, and says why', () => {
    const real = path.join(dir, 'kiosk');
    mkdirSync(real);
    writeFileSync(path.join(real, 'kiosk.db'), 'history');
    const outcome = resetDemoData(real);
    expect(outcome.reset).toBe(false);
    expect(!outcome.reset && outcome.reason).toContain('is not a demo data folder');
    expect(existsSync(path.join(real, 'kiosk.db'))).toBe(true);
  });
});
