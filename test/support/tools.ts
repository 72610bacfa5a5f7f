/**
 * The external tools some test files need (socat, libwbxml's converters, the openobex headers).
 * Outside CI a missing tool skips the tests that need it, with a warning that names the Debian
 * package to install. Under CI (the CI variable set, as `.ci/run` does) a missing tool fails
 * the file with the package's name: a tier never passes by skipping silently.
 */
import { spawnSync } from 'node:child_process';

export function underCi(): boolean {
  const v = process.env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** Handles a missing tool: under CI it throws, elsewhere it warns; returns false either way. */
export function toolMissing(who: string, what: string, debianPackage: string): false {
  const message = `${who}: ${what}; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`;
  if (underCi()) throw new Error(message);
  console.warn(`${message}. Skipped.`);
  return false;
}

/** True when every command can be started. Otherwise see toolMissing. */
export function haveTools(who: string, commands: string[], debianPackage: string, probeArgs: string[] = ['-h']): boolean {
  const missing = commands.filter((c) => spawnSync(c, probeArgs, { stdio: 'ignore' }).error !== undefined);
  if (missing.length === 0) return true;
  return toolMissing(who, `${missing.join(' and ')} not found`, debianPackage);
}
