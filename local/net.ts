// Small networking helpers for the local runtime.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { processTree } from './processes.js';

/** Asks the OS for a free TCP port on `host` (DynamoDB Local refuses `-port 0`, so we pick one first). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port as number;
}

/**
 * `count` distinct free TCP ports on `host`. Each is held until all are found: asked for one after another, a port
 * just let go may be handed out again, and two servers were then given the same one (a CI dry run, 2026-12-06).
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, host, () => {
              const address = server.address();
              resolve(typeof address === 'object' && address ? address.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }
}

/** Whether `port` on `host` can be listened on now (false when another process holds it). */
export async function portIsFree(host: string, port: number): Promise<boolean> {
  return (await portState(host, port)) === 'free';
}

/** Whether `port` on `host` can be listened on, is in use, or needs privileges this process lacks (below 1024). */
export async function portState(host: string, port: number): Promise<'free' | 'in-use' | 'denied'> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('in-use');
      else if (error.code === 'EACCES') resolve('denied');
      else reject(error);
    });
    server.listen(port, host, () => server.close(() => resolve('free')));
  });
}

/**
 * Whether process `pid` or one of its descendants holds a socket listening on TCP `port` (any address), as Linux's
 * /proc shows it. Undefined where /proc cannot say: another system, or no socket listening on that port in the
 * process's tables (WSL 1's are empty).
 */
export function treeListensOnPort(pid: number, port: number): boolean | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  const listening = new Set<string>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      // The tables of the process's own network namespace.
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A is LISTEN
      const columns = line.trim().split(/\s+/);
      const local = columns[1]?.split(':')[1];
      if (columns[3] === '0A' && local !== undefined && Number.parseInt(local, 16) === port) {
        listening.add(columns[9] ?? '');
      }
    }
  }
  if (listening.size === 0) return existsSync(`/proc/${pid}`) ? undefined : false;
  for (const member of processTree(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${member}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${member}/fd/${fd}`))?.[1];
        if (inode !== undefined && listening.has(inode)) return true;
      } catch {
        // closed since it was listed
      }
    }
  }
  return false;
}
