// A webhook receiver in a process of its own, as a subscriber's is: it answers 204 to every POST and counts them, in
// all and once by path and event id; `GET /_stats` answers `{"received": n, "distinct": n}`. Prints its URL once it
// listens. Usage: tsx bench/lib/counting-receiver.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
const distinct = new Set<string>();
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ received, distinct: distinct.size }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const id = (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id;
    received++;
    distinct.add(`${req.url} ${id}`);
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
