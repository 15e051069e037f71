import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256, toHex } from '../../src/crypto/hash.js';

/**
 * A stand-in for one validator's transaction API, with the answers the real one gives (202 with
 * the hash, 409 DUPLICATE_TRANSACTION or STALE_NONCE, 404 for an unknown hash), and a switch
 * for the failure under test: forgetting what it acknowledged, as a node does when it is killed
 * and restarted before proposing. The test decides when a transaction is committed.
 */
export class FakeValidator {
  /** Hex bytes of every submission received, in order. */
  readonly received: string[] = [];
  readonly pending = new Map<string, string>();
  readonly committed = new Map<string, { height: number; ok: boolean }>();
  /** Hashes whose nonce another transaction used. */
  readonly superseded = new Set<string>();
  /** Forget the next acknowledged transaction right after answering 202. */
  loseNextAcknowledged = false;
  /** Answer submissions with this refusal instead. */
  refuseWith: Refusal | null = null;
  /** Answer the next submissions with these refusals, one each, before `refuseWith` applies. */
  readonly refuseNext: Refusal[] = [];
  /** Commit what is pending on the next look-up. */
  commitOnLookup = false;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => this.route(request.method ?? '', request.url ?? '', body, response));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  commitPending(): void {
    for (const hash of this.pending.keys())
      this.committed.set(hash, { height: this.committed.size + 1, ok: true });
    this.pending.clear();
  }

  private route(method: string, url: string, body: string, response: ServerResponse): ServerResponse {
    const send = (status: number, json: object, retryAfter?: string) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
      });
      return response.end(JSON.stringify(json));
    };
    if (method === 'POST' && url === '/api/v1/tx') {
      const hex = (JSON.parse(body) as { tx: string }).tx;
      this.received.push(hex);
      const refusal = this.refuseNext.shift() ?? this.refuseWith;
      if (refusal !== null) {
        return send(refusal.status, { code: refusal.code, detail: 'refused' }, refusal.retryAfter);
      }
      const hash = toHex(sha256(Buffer.from(hex, 'hex')));
      if (this.committed.has(hash) || this.superseded.has(hash))
        return send(409, { code: 'STALE_NONCE', detail: 'nonce used' });
      if (this.pending.has(hash)) return send(409, { code: 'DUPLICATE_TRANSACTION', detail: 'pending' });
      if (this.loseNextAcknowledged) this.loseNextAcknowledged = false;
      else this.pending.set(hash, hex);
      return send(202, { hash, status: 'pending' });
    }
    const lookup = /^\/api\/v1\/transactions\/([0-9a-f]{64})$/.exec(url);
    if (method === 'GET' && lookup !== null) {
      if (this.commitOnLookup) this.commitPending();
      const found = this.committed.get(lookup[1]!);
      if (found === undefined) return send(404, { code: 'NOT_FOUND', detail: 'unknown transaction' });
      return send(200, { hash: lookup[1], height: found.height, index: 0, ok: found.ok, code: '' });
    }
    if (method === 'GET' && url === '/api/v1/status') {
      return send(200, { chainId: 'fake', shardId: 0, height: this.committed.size });
    }
    return send(404, { code: 'NOT_FOUND', detail: url });
  }
}

/** A refusal the fake answers with; `retryAfter` is sent as the `Retry-After` header. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly retryAfter?: string;
}

/** A URL on which nothing listens: a port that was bound and closed again. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
