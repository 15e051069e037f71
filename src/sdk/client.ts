import { toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { encodeTransaction, type Transaction } from '../ledger/transaction.js';
import { type CommitWait, waitUntilCommitted } from './commit-wait.js';
import { ClientError } from './errors.js';

export { ClientError, type ClientErrorCode } from './errors.js';

export interface NodeStatus {
  readonly chainId: string;
  readonly shardId: number;
  readonly validatorIndex: number;
  readonly height: number;
  readonly headHash: string;
  readonly stateRoot: string;
  readonly timestampMs: number;
  readonly consensusSequence: number;
  readonly mempoolSize: number;
  readonly peers: number[];
}

export interface CommittedTransaction {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly ok: boolean;
  readonly code: string;
}

/** One transaction's fate in a multi-transaction submission. */
export type SubmitResult =
  | { readonly status: 'pending'; readonly hash: string }
  | { readonly status: 'refused'; readonly code: string; readonly detail: string };

export interface ClientOptions {
  /** Limit of one HTTP request to one node (default 10 s). */
  readonly timeoutMs?: number;
  /** The chain's hash, to name a transaction before any node has answered (default SHA-256). */
  readonly hash?: (bytes: Uint8Array) => Uint8Array;
  /** The clock and the pause of `submitUntilCommitted`; tests pass a simulated pair. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/**
 * The same URLs, starting at `first`: clients built with successive `first` spread their requests
 * over the validators while each can still fail over to all the others.
 */
export function urlsFrom(urls: readonly string[], first: number): string[] {
  const start = ((first % urls.length) + urls.length) % urls.length;
  return [...urls.slice(start), ...urls.slice(0, start)];
}

/** Waits `ms`, or rejects with ABORTED as soon as the signal fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(): ClientError {
  return new ClientError('ABORTED', 'the caller aborted the request', {});
}

/**
 * A typed client of a shard's HTTP API. Given several validators' URLs, it sends each request to
 * the one that last answered and, when that one cannot be reached (refused connection, reset,
 * timeout), to the next, in order, before it reports UNREACHABLE. An answer of a node, even an
 * error, is final: another node would not answer a bad request differently. Reads may come from
 * different validators from one call to the next, so a later answer can name a lower height.
 */
export class GridShardClient {
  readonly baseUrls: readonly string[];
  private preferred = 0;
  private readonly timeoutMs: number;
  private readonly hashOf: (bytes: Uint8Array) => Uint8Array;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(baseUrls: string | readonly string[], options: number | ClientOptions = {}) {
    this.baseUrls = typeof baseUrls === 'string' ? [baseUrls] : [...baseUrls];
    if (this.baseUrls.length === 0) throw new RangeError('a client needs at least one base URL');
    const init = typeof options === 'number' ? { timeoutMs: options } : options;
    this.timeoutMs = init.timeoutMs ?? 10_000;
    this.hashOf = init.hash ?? ((bytes) => ed25519Scheme.hash(bytes));
    this.now = init.now ?? (() => Date.now());
    this.sleep = init.sleep ?? abortableSleep;
  }

  /** The URL the next request goes to first. */
  get baseUrl(): string {
    return this.baseUrls[this.preferred]!;
  }

  /** Sends the next requests to the following validator first (its current one refused work). */
  rotate(): void {
    this.preferred = (this.preferred + 1) % this.baseUrls.length;
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<{ status: number; json: T }> {
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.baseUrls.length; attempt++) {
      const index = (this.preferred + attempt) % this.baseUrls.length;
      const url = this.baseUrls[index]!;
      if (options.signal?.aborted) throw aborted();
      const timeout = AbortSignal.timeout(this.timeoutMs);
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]),
        });
      } catch (error) {
        if (options.signal?.aborted) throw aborted();
        failures.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      this.preferred = index;
      return this.answer<T>(response);
    }
    throw new ClientError('UNREACHABLE', `${method} ${path}: ${failures.join('; ')}`, {});
  }

  private async answer<T>(response: Response) {
    const json = (await response.json().catch(() => ({}))) as T & { detail?: string; code?: string };
    if (response.status >= 400) {
      throw new ClientError(
        'HTTP_ERROR',
        `${response.status} ${json.code ?? ''}: ${json.detail ?? 'error'}`,
        {
          status: response.status,
          ...(json.code === undefined ? {} : { code: json.code }),
          ...(json.detail === undefined ? {} : { detail: json.detail }),
        },
      );
    }
    return { status: response.status, json };
  }

  async status(options: RequestOptions = {}): Promise<NodeStatus> {
    return (await this.request<NodeStatus>('GET', '/api/v1/status', undefined, options)).json;
  }

  /**
   * Submits a signed transaction; resolves with its hash once one node admitted it. Admission
   * (HTTP 202) is not durable: the node holds the transaction in memory only, and loses it if it
   * stops before proposing it. Use `submitUntilCommitted` when the transaction must not be lost.
   */
  async submit(tx: Transaction | Uint8Array, options: RequestOptions = {}): Promise<string> {
    const bytes = tx instanceof Uint8Array ? tx : encodeTransaction(tx);
    const body = { tx: toHex(bytes) };
    return (await this.request<{ hash: string }>('POST', '/api/v1/tx', body, options)).json.hash;
  }

  /**
   * Submits a signed transaction and keeps it alive until it is in a block: it looks the hash up,
   * sends the same bytes again when no node has acknowledged them for a while (a node that
   * acknowledged them may have stopped since), and moves to another validator when one cannot be
   * reached or is full. Resending is safe: the same bytes carry the same nonce, which executes
   * once. Resolves with the committed transaction (its receipt may still be a refusal); rejects
   * with SUPERSEDED when another transaction used the nonce, HTTP_ERROR when a node refuses the
   * transaction itself (bad signature, nonce too far, …), ABORTED, or TIMEOUT after the deadline,
   * when the transaction's fate is unknown: it may still be committed, so the caller keeps the
   * bytes and may call this again.
   */
  async submitUntilCommitted(
    tx: Transaction | Uint8Array,
    options: CommitWait = {},
  ): Promise<CommittedTransaction> {
    const bytes = tx instanceof Uint8Array ? tx : encodeTransaction(tx);
    return waitUntilCommitted(
      {
        hash: toHex(this.hashOf(bytes)),
        submit: (signal) => this.submit(bytes, { signal }),
        find: (hash, signal) => this.transaction(hash, { signal }),
        rotate: () => this.rotate(),
        now: this.now,
        sleep: this.sleep,
      },
      options,
    );
  }

  /**
   * Submits up to 1,000 signed transactions in one request. Each is admitted or refused on its
   * own; the answer lists them in order, a hash for each admitted one and a code for each refusal.
   */
  async submitMany(txs: readonly (Transaction | Uint8Array)[]): Promise<SubmitResult[]> {
    const body = { txs: txs.map((tx) => toHex(tx instanceof Uint8Array ? tx : encodeTransaction(tx))) };
    return (await this.request<{ results: SubmitResult[] }>('POST', '/api/v1/txs', body)).json.results;
  }

  async transaction(hash: string, options: RequestOptions = {}): Promise<CommittedTransaction | null> {
    try {
      const path = `/api/v1/transactions/${hash}`;
      return (await this.request<CommittedTransaction>('GET', path, undefined, options)).json;
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }

  /** Polls until the transaction is in a block. */
  async waitForTransaction(hash: string, timeoutMs = 30_000, pollMs = 100): Promise<CommittedTransaction> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.transaction(hash);
      if (found !== null) return found;
      if (Date.now() > deadline)
        throw new ClientError('TIMEOUT', `transaction ${hash} not committed within ${timeoutMs} ms`, {});
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** A trading cycle's state and public per-interval summaries; null when there is no such cycle. */
  async marketCycle(cycleId: string): Promise<Record<string, unknown> | null> {
    try {
      return (
        await this.request<Record<string, unknown>>(
          'GET',
          `/api/v1/market/cycles/${encodeURIComponent(cycleId)}`,
        )
      ).json;
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }

  /** A member's public registry entry; null when the key is not registered. */
  async marketMember(publicKeyHex: string): Promise<Record<string, unknown> | null> {
    try {
      return (await this.request<Record<string, unknown>>('GET', `/api/v1/market/members/${publicKeyHex}`))
        .json;
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }

  /** A block's transactions as canonical bytes, in order; null past the head. */
  async blockTransactions(
    height: number,
  ): Promise<{ height: number; hash: string; transactions: string[] } | null> {
    try {
      return (
        await this.request<{ height: number; hash: string; transactions: string[] }>(
          'GET',
          `/api/v1/blocks/${height}/transactions`,
        )
      ).json;
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }

  async block(height: number): Promise<Record<string, unknown> | null> {
    try {
      return (await this.request<Record<string, unknown>>('GET', `/api/v1/blocks/${height}`)).json;
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }
}
