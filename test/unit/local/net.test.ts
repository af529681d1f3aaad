// Whether a process (or one of its descendants) listens on a port, as /proc tells it: how the DynamoDB Local launcher
// tells its own Java from another server that took the port. And freePorts, which the tests' servers start on.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts, portIsFree, portState, treeListensOnPort } from '../../../local/net.js';
import { hasProc, itWithProc, printedAsNobody } from '../../linux.js';

describe('treeListensOnPort', () => {
  const server = createServer();
  let port: number;

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  itWithProc(
    'tells the process that listens on a port from one that runs without listening there',
    async () => {
      // Prepare
      const other = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        // Act
        const ours = treeListensOnPort(process.pid, port);
        const theirs = treeListensOnPort(other.pid as number, port);
        // Assess
        expect(ours).toBe(true);
        expect(theirs).toBe(false);
      } finally {
        other.kill('SIGKILL');
      }
    },
  );

  itWithProc('tells a process connected from a port from one listening on it', async () => {
    // Prepare: a process holding a connection to our server made from a port of its choosing
    const [from] = await freePorts(1);
    const other = spawn(
      process.execPath,
      [
        '-e',
        `require('node:net').connect({ host: '127.0.0.1', port: ${port}, localPort: ${from} }, () => console.log('connected'));
         setTimeout(() => {}, 30_000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(other.stdout!, 'data');
      // Act
      const said = treeListensOnPort(other.pid as number, from as number);
      // Assess: its connection is not a listening socket (nothing listens on that port, so /proc cannot tell more)
      expect(said).not.toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });

  itWithProc('says a process that has ended holds no port, rather than that it cannot tell', async () => {
    // Prepare: a process that ended (and was reaped)
    const ended = spawn('true', { stdio: 'ignore' });
    await once(ended, 'exit');
    // Act
    const said = treeListensOnPort(ended.pid as number, port);
    // Assess: undefined would have the launcher take whatever answers on the port for DynamoDB Local
    expect(said).toBe(false);
  });
});

describe('freePorts', () => {
  it('gives as many ports as asked, each a different one, and holds none of them after', async () => {
    // Act
    const ports = await freePorts(20);
    // Assess
    expect(new Set(ports).size).toBe(20);
    const free = await Promise.all(ports.map((port) => portIsFree('127.0.0.1', port)));
    expect(free).toEqual(ports.map(() => true));
  });
});

describe('portState', () => {
  // Port 1 needs privileges unless the kernel lets every user bind it (ip_unprivileged_port_start).
  const privileged =
    !hasProc || Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) > 1;

  (privileged ? it : it.skip)(
    'says a port this user may not listen on is denied, neither in use nor free',
    async () => {
      // Prepare: as root, asked as nobody (uid 65534) in a process of its own, since root may listen on any port
      const asNobody = process.getuid?.() === 0;
      // Act
      const said = asNobody
        ? printedAsNobody(
            `import { portIsFree, portState } from './local/net.ts'; console.log(await portState('127.0.0.1', 1), await portIsFree('127.0.0.1', 1));`,
          )
        : `${await portState('127.0.0.1', 1)} ${await portIsFree('127.0.0.1', 1)}`;
      // Assess: and not free, which would have the launcher start Java on it
      expect(said).toBe('denied false');
    },
  );
});
