// Which Host headers the local servers answer (the HTTP API's front door and the embedded EventBridge). They listen on
// 127.0.0.1 only, so no other machine reaches them, but a web page open on this one can, by DNS rebinding: its own
// name, made to resolve to 127.0.0.1 once the page has loaded, lets its script send any request to a local port as
// its own origin, headers and all, and read the answer (a PutTargets sending every event to its server, say). Each
// such request carries the page's name in Host, which a loopback name or address never is. The same check as
// webpack-dev-server's and Vite's allowed hosts (browser review, session 53).

import { isIPv4 } from 'node:net';

/** Host headers already judged loopback: nearly every request repeats one of a few. */
const accepted = new Set<string>();
const MAX_REMEMBERED = 64;

/**
 * Whether `host` (a request's Host header) names this machine's loopback: `localhost` or a name under it (which
 * browsers resolve to loopback themselves), an IPv4 address in 127.0.0.0/8 in any form a URL takes, or `[::1]`
 * (and IPv4-mapped 127/8). No Host at all is taken too: browsers always send one.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return true;
  if (accepted.has(host)) return true;
  // Only a host and a port: `a@127.0.0.1` or `127.0.0.1/x` are no Host header a client sends.
  if (!/^[^@/?#\\]*$/.test(host)) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return false;
  }
  const loopback =
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    (isIPv4(hostname) && hostname.startsWith('127.')) ||
    hostname === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
  if (loopback && accepted.size < MAX_REMEMBERED) accepted.add(host);
  return loopback;
}

/** Why a request was refused, for the answer: names the Host it carried and the names that are answered. */
export function notLoopbackMessage(host: string, server: string): string {
  return (
    `${server} answers requests to a loopback name or address only (127.0.0.1, localhost or [::1]), not to Host ` +
    `${JSON.stringify(host.length > 256 ? `${host.slice(0, 256)}…` : host)}: a web page could send such requests ` +
    'through DNS rebinding.'
  );
}
