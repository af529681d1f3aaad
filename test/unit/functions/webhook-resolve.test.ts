// A webhook's name: the hosts file, then DNS through c-ares (here a DNS server of the test's own on UDP), then the
// system's lookup for a name DNS says does not exist. A name whose DNS never answers must fail on its own timeout and
// hold up nobody else's.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { LookupAddress } from 'node:dns';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postWebhook } from '../../../functions/deliver/webhook-post.js';
import { webhookResolve } from '../../../functions/deliver/webhook-resolve.js';

/** What the test's DNS server says of a name: its addresses, that it does not exist, or nothing at all. */
type Zone = Record<string, { A?: number[][]; AAAA?: number[][] } | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'>;

/** The RCODE of an answer without records (RFC 1035, 4.1.1). */
const RCODE = { NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 } as const;

interface DnsServer {
  readonly server: string;
  readonly asked: string[];
  close(): void;
}

/** A DNS server on UDP answering from `zone` (RFC 1035, 4.1); a name not in it is never answered. */
async function dnsServer(zone: Zone): Promise<DnsServer> {
  const asked: string[] = [];
  const socket: UdpSocket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const labels: string[] = [];
    let at = 12;
    for (let length = query[at] ?? 0; length > 0; length = query[at] ?? 0) {
      labels.push(query.subarray(at + 1, at + 1 + length).toString('ascii'));
      at += 1 + length;
    }
    const name = labels.join('.').toLowerCase();
    const type = query.readUInt16BE(at + 1) === 28 ? 'AAAA' : 'A';
    asked.push(`${type} ${name}`);
    const entry = zone[name];
    if (entry === undefined) return;
    const question = query.subarray(12, at + 5);
    const answers = typeof entry === 'string' ? [] : (entry[type] ?? []);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180 | (typeof entry === 'string' ? RCODE[entry] : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((bytes) => {
      const record = Buffer.alloc(12 + bytes.length);
      record.writeUInt16BE(0xc00c, 0);
      record.writeUInt16BE(type === 'AAAA' ? 28 : 1, 2);
      record.writeUInt16BE(1, 4);
      record.writeUInt32BE(60, 6);
      record.writeUInt16BE(bytes.length, 10);
      Buffer.from(bytes).copy(record, 12);
      return record;
    });
    socket.send(Buffer.concat([header, question, ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    asked,
    close: () => socket.close(),
  };
}

let dir: string;
let hostsFile: string;
let dns: DnsServer;
const fallbackAsked: string[] = [];
const fallback = async (hostname: string): Promise<LookupAddress[]> => {
  fallbackAsked.push(hostname);
  return [{ address: '192.0.2.99', family: 4 }];
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sharebus-resolve-'));
  hostsFile = join(dir, 'hosts');
  await writeFile(
    hostsFile,
    [
      '# a comment naming listed.sharebus.test',
      '127.0.0.1\tlocalhost',
      '192.0.2.10   Listed.Sharebus.Test. alias.sharebus.test  # trailing comment',
      'fe80::1%eth0 zoned.sharebus.test',
      'not-an-address listed.sharebus.test',
      '2001:db8::10 listed.sharebus.test',
      '',
    ].join('\n'),
  );
  dns = await dnsServer({
    'answered.sharebus.test': {
      A: [[198, 51, 100, 7]],
      AAAA: [[0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7]],
    },
    'v4only.sharebus.test': { A: [[198, 51, 100, 8]] },
    'absent.sharebus.test': 'NXDOMAIN',
    'failing.sharebus.test': 'SERVFAIL',
    'refused.sharebus.test': 'REFUSED',
  });
});

afterAll(async () => {
  dns.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  dns.asked.length = 0;
  fallbackAsked.length = 0;
});

const resolve = () =>
  webhookResolve({ hostsFile, servers: [dns.server], timeoutMs: 150, tries: 1, fallback });

describe('webhookResolve', () => {
  it('takes a name the hosts file lists from it, in its order, asking DNS nothing', async () => {
    // Act
    const addresses = await resolve()('LISTED.sharebus.test.');
    // Assess
    expect(addresses).toEqual([
      { address: '192.0.2.10', family: 4 },
      { address: '2001:db8::10', family: 6 },
    ]);
    expect(await resolve()('alias.sharebus.test')).toEqual([{ address: '192.0.2.10', family: 4 }]);
    expect(dns.asked).toEqual([]);
    expect(fallbackAsked).toEqual([]);
  });

  it("asks DNS for a name the hosts file does not list, IPv4's addresses first", async () => {
    // Act
    const both = await resolve()('answered.sharebus.test');
    const v4 = await resolve()('v4only.sharebus.test');
    // Assess
    expect(both).toEqual([
      { address: '198.51.100.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(v4).toEqual([{ address: '198.51.100.8', family: 4 }]);
    expect(dns.asked.sort()).toEqual([
      'A answered.sharebus.test',
      'A v4only.sharebus.test',
      'AAAA answered.sharebus.test',
      'AAAA v4only.sharebus.test',
    ]);
    expect(fallbackAsked).toEqual([]);
  });

  it("leaves a name DNS says does not exist, and localhost's, to the system's lookup", async () => {
    // Act
    const absent = await resolve()('absent.sharebus.test');
    const local = await resolve()('api.localhost');
    // Assess
    expect(absent).toEqual([{ address: '192.0.2.99', family: 4 }]);
    expect(local).toEqual([{ address: '192.0.2.99', family: 4 }]);
    expect(fallbackAsked).toEqual(['absent.sharebus.test', 'api.localhost']);
    expect(dns.asked.sort()).toEqual(['A absent.sharebus.test', 'AAAA absent.sharebus.test']);
  });

  it("leaves a name DNS answers SERVFAIL or REFUSED for (a split-horizon resolver's) to the system's lookup", async () => {
    // Act
    const failing = await resolve()('failing.sharebus.test');
    const refused = await resolve()('refused.sharebus.test');
    // Assess: before, ESERVFAIL and EREFUSED were thrown, though the system's lookup may know the name
    expect([failing, refused]).toEqual([
      [{ address: '192.0.2.99', family: 4 }],
      [{ address: '192.0.2.99', family: 4 }],
    ]);
    expect(fallbackAsked).toEqual(['failing.sharebus.test', 'refused.sharebus.test']);
  });

  it('fails a name whose DNS never answers with ETIMEOUT, not asking the system, whose lookup would hold a thread', async () => {
    // Act
    const error = await resolve()('silent.sharebus.test').catch((caught: NodeJS.ErrnoException) => caught);
    // Assess
    expect(error).toMatchObject({ code: 'ETIMEOUT' });
    expect(dns.asked.sort()).toEqual(['A silent.sharebus.test', 'AAAA silent.sharebus.test']);
    expect(fallbackAsked).toEqual([]);
  });

  it('reads a hosts file it cannot open as one listing nothing', async () => {
    // Act
    const addresses = await webhookResolve({
      hostsFile: join(dir, 'missing'),
      servers: [dns.server],
      fallback,
    })('v4only.sharebus.test');
    // Assess
    expect(addresses).toEqual([{ address: '198.51.100.8', family: 4 }]);
  });
});

describe('postWebhook names', () => {
  let receiver: Server;
  let port: number;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', () => done()));
    port = (receiver.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((done) => receiver.close(() => done()));
  });

  it.each([
    { policy: 'allow-http (local)', refuseAddress: undefined },
    { policy: 'https-only (addresses judged)', refuseAddress: (address: string) => address !== '127.0.0.1' },
  ])(
    '$policy: a name is looked up with the given resolve, and one whose DNS never answers holds up no other',
    async ({ refuseAddress }) => {
      // Prepare: more names stuck in DNS than libuv's thread pool runs getaddrinfo at once (2)
      await writeFile(join(dir, 'hosts-webhook'), '127.0.0.1 webhook.sharebus.test\n');
      const resolveNames = webhookResolve({
        hostsFile: join(dir, 'hosts-webhook'),
        servers: [dns.server],
        timeoutMs: 1_000,
        tries: 1,
        fallback,
      });
      const post = (host: string) =>
        postWebhook(new URL(`http://${host}:${port}/hook`), {
          headers: {},
          body: '{}',
          timeoutMs: 5_000,
          resolve: resolveNames,
          ...(refuseAddress !== undefined ? { refuseAddress } : {}),
        }).then(String, (error: NodeJS.ErrnoException) => error.code ?? error.message);
      const stuck = Array.from({ length: 4 }, (_, i) => post(`silent${i}.sharebus.test`));
      // Act
      const healthy = await post('webhook.sharebus.test');
      // Assess
      expect(healthy).toBe('204');
      expect(await Promise.all(stuck)).toEqual(Array(4).fill('ETIMEOUT'));
    },
  );
});
