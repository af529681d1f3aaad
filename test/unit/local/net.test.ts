// Whether a process (or one of its descendants) listens on a port, as /proc tells it: how the DynamoDB Local launcher
// tells its own Java from another server that took the port. And freePorts, which the tests' servers start on.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { freePorts, portIsFree, treeListensOnPort } from '../../../local/net.js';
import { itWithProc } from '../../linux.js';

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
