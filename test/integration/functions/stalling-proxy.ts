// A TCP proxy that can hang connections the way a broken network does, for the tests of the functions' clients: in
// front of DynamoDB Local (read-functions-hung-registry, write-functions-hung-registry) or the embedded EventBridge
// (rules-client).
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { REGISTRY_SILENCE_TIMEOUT_MS } from '../../../functions/shared/clients.js';

/** The pieces a slowed answer is sent in, each REGISTRY_SILENCE_TIMEOUT_MS / 5 after the last: never silent that long. */
const SLOW_PIECES = 8;

/** How the SDK names a transaction in its request headers. */
const TRANSACTION = /^x-amz-target: DynamoDB_20120810\.TransactWriteItems\r$/im;

/**
 * A TCP proxy to `upstream` (DynamoDB Local, unless said otherwise) that:
 * - leaves the next `stall` connections it takes unanswered, as a hung one is: nothing reaches the upstream;
 * - passes the next `loseAnswers` transactions on to DynamoDB, which commits them, and then keeps their answer from
 *   the client, whose connection goes silent: a write that landed, its answer lost on the way back;
 * - sends the next `slow` answers' first chunk in SLOW_PIECES pieces: older than REGISTRY_SILENCE_TIMEOUT_MS, never
 *   silent.
 */
export class StallingProxy {
  stall = 0;
  loseAnswers = 0;
  slow = 0;
  /** The HTTP requests it has passed on: one per attempt. */
  requests = 0;
  /** The TransactWriteItems requests it has passed on, answered or not. */
  transactions = 0;
  /** The status line of each answer kept from the client: `HTTP/1.1 200 OK` for a transaction that committed. */
  readonly lost: string[] = [];
  /** The client connections left silent: stalled ones, and those whose answer was lost. */
  readonly held: Socket[] = [];
  /** Every socket open on either side, destroyed at close: a client's retry may still be connecting. */
  readonly #open = new Set<Socket>();
  readonly server: Server;

  constructor(upstream: URL) {
    this.server = createServer((socket) => {
      this.#track(socket);
      if (this.stall > 0) {
        this.stall -= 1;
        this.held.push(socket);
        socket.resume();
        return;
      }
      const onward = this.#track(connect(Number(upstream.port), upstream.hostname));
      let losing = false;
      // Registered before the pipe, so a request is counted (and its answer marked lost) before it is passed on.
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        this.requests += text.match(/^POST \S+ HTTP\/1\.1\r$/gm)?.length ?? 0;
        if (!TRANSACTION.test(text)) return;
        this.transactions += 1;
        if (this.loseAnswers > 0) {
          this.loseAnswers -= 1;
          losing = true;
          this.held.push(socket);
        }
      });
      socket.pipe(onward);
      onward.on('data', (chunk: Buffer) => {
        if (losing) {
          const status = chunk.toString('latin1').match(/^HTTP\/1\.1 .*(?=\r\n)/)?.[0];
          if (status !== undefined) this.lost.push(status);
          return;
        }
        if (this.slow === 0) {
          socket.write(chunk);
          return;
        }
        this.slow -= 1;
        onward.pause();
        void this.#slowly(socket, chunk).then(() => onward.resume());
      });
      onward.on('end', () => socket.end());
      for (const [one, other] of [
        [socket, onward],
        [onward, socket],
      ] as const) {
        one.on('error', () => other.destroy());
        one.on('close', () => other.destroy());
      }
    });
  }

  /** Listens on a free port of 127.0.0.1. */
  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Forgets what the last test asked for and saw. */
  reset(): void {
    this.stall = 0;
    this.loseAnswers = 0;
    this.slow = 0;
    this.held.length = 0;
    this.lost.length = 0;
  }

  async #slowly(socket: Socket, chunk: Buffer): Promise<void> {
    const size = Math.ceil(chunk.length / SLOW_PIECES);
    for (let at = 0; at < chunk.length && !socket.destroyed; at += size) {
      await new Promise((resolve) => setTimeout(resolve, REGISTRY_SILENCE_TIMEOUT_MS / 5));
      socket.write(chunk.subarray(at, at + size));
    }
  }

  #track(socket: Socket): Socket {
    this.#open.add(socket);
    socket.on('close', () => this.#open.delete(socket));
    return socket;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.#open) socket.destroy();
    await closed;
  }
}
