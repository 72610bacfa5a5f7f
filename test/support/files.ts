import { existsSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Resolves once `path` no longer exists: on the folder's change event, not on a timer. */
export function fileGone(path: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), (_event, name) => {
      if (name !== null && name !== basename(path)) return;
      if (existsSync(path)) return;
      watcher.close();
      resolve();
    });
    // Removed before the watcher was set up.
    if (!existsSync(path)) {
      watcher.close();
      resolve();
    }
  });
}
