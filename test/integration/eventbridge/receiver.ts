// An HTTP endpoint for the embedded EventBridge to call (API destinations, OAuth token endpoints): it records what it
// receives and answers as a test tells it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A receiver on 127.0.0.1 that records each request and answers with the next status of `answers` (then
 * `otherwise`, 200 unless given).
 */
export async function startReceiver(
  answers: Array<
    | number
    | {
        status: number;
        headers?: Record<string, string>;
        body?: string | Buffer;
        after?: Promise<void>;
        stall?: boolean;
        cut?: boolean;
        /** Answers 101 Switching Protocols and keeps the connection open. */
        upgrade?: boolean;
      }
  > = [],
  otherwise = 200,
) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const next = answers.shift() ?? otherwise;
      const answer = typeof next === 'number' ? { status: next } : next;
      if (answer.status === 0) return; // never answers
      if (answer.upgrade) {
        res.socket?.write(
          'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n',
        );
        return;
      }
      void (answer.after ?? Promise.resolve()).then(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        // A stalled answer sends its status and the start of its body, and never the rest; a cut one then closes.
        if (answer.stall || answer.cut) {
          res.write('{');
          if (answer.cut) setTimeout(() => res.socket?.destroy(), 20);
        } else res.end(answer.body ?? '{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
