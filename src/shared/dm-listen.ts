/**
 * How an address of the DM endpoint is written, in settings and on the command line alike:
 * HOST:PORT, where HOST is an IP address (IPv6 in brackets) or the name of a network interface
 * (a phone's USB network interface, e.g. usb0), which the kiosk turns into that interface's
 * addresses when it starts. One rule for every place that reads one.
 */
export interface DmListenSpec {
  /** An IP address, "localhost", or a network interface's name. */
  host: string;
  port: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Linux allows up to 15 characters in an interface name; Windows' names are longer but plain. */
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function isIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** The host is an IP literal (as opposed to an interface name). */
export function isIpLiteral(host: string): boolean {
  return isIpv4(host) || host.includes(':');
}

/** HOST:PORT, or a sentence saying what is wrong with `text`. */
export function parseDmListenSpec(text: string): DmListenSpec | string {
  const example = 'a DM endpoint address is HOST:PORT, where HOST is an IP address ([...] for IPv6) or a network interface\'s name, e.g. 127.0.0.1:8443 or usb0:8443';
  const shown = JSON.stringify(text).slice(0, 60);
  const m = /^(?:\[([0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.@-]+)?)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return `${example} (got ${shown})`;
  const port = Number(m[3]);
  if (port > 65535) return `the port of a DM endpoint address is 0 to 65535 (got ${shown})`;
  if (m[1] !== undefined) return { host: m[1], port };
  const host = m[2]!;
  if (IPV4.test(host) ? !isIpv4(host) : !INTERFACE_NAME.test(host)) return `${example} (got ${shown})`;
  return { host, port };
}

/** HOST:PORT as written (IPv6 in brackets). */
export function formatDmListen(a: DmListenSpec): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
