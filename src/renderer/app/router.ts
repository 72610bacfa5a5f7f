/**
 * A tiny hash router: routes live in the URL fragment (#/tech, #/customer) so they work the same
 * under app:// in Electron and under the web host, and the page URL's query (?token=) stays free.
 */
import { useSyncExternalStore } from 'react';

export const ROUTES = { technician: '/tech', customer: '/customer' } as const;

export function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  const path = hash.split('?')[0] ?? '';
  return path.startsWith('/') ? path : ROUTES.technician;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoutePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(path: string): void {
  window.location.hash = path;
}

export type Area = 'technician' | 'customer';

export function areaOf(path: string): Area {
  return path === ROUTES.customer || path.startsWith(ROUTES.customer + '/') ? 'customer' : 'technician';
}
