import { toHex } from '../crypto/hash.js';
import { GridShardError } from '../errors.js';
import { encodeTransaction, type Transaction } from '../ledger/transaction.js';

export type ClientErrorCode = 'HTTP_ERROR' | 'TIMEOUT' | 'UNREACHABLE';

/** A problem answer of the API, with its RFC 9457 fields. */
export class ClientError extends GridShardError<
  ClientErrorCode,
  { status?: number; code?: string; detail?: string }
> {}

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

/** A typed client of one node's HTTP API. */
export class GridShardClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ClientError(
        'UNREACHABLE',
        `${method} ${this.baseUrl}${path}: ${(error as Error).message}`,
        {},
      );
    }
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

  async status(): Promise<NodeStatus> {
    return (await this.request<NodeStatus>('GET', '/api/v1/status')).json;
  }

  /** Submits a signed transaction; resolves with its hash once the node admitted it. */
  async submit(tx: Transaction | Uint8Array): Promise<string> {
    const bytes = tx instanceof Uint8Array ? tx : encodeTransaction(tx);
    return (await this.request<{ hash: string }>('POST', '/api/v1/tx', { tx: toHex(bytes) })).json.hash;
  }

  /**
   * Submits up to 1,000 signed transactions in one request. Each is admitted or refused on its
   * own; the answer lists them in order, a hash for each admitted one and a code for each refusal.
   */
  async submitMany(txs: readonly (Transaction | Uint8Array)[]): Promise<SubmitResult[]> {
    const body = { txs: txs.map((tx) => toHex(tx instanceof Uint8Array ? tx : encodeTransaction(tx))) };
    return (await this.request<{ results: SubmitResult[] }>('POST', '/api/v1/txs', body)).json.results;
  }

  async transaction(hash: string): Promise<CommittedTransaction | null> {
    try {
      return (await this.request<CommittedTransaction>('GET', `/api/v1/transactions/${hash}`)).json;
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
