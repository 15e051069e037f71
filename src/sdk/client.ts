import { toHex } from '../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import { encodeTransaction, type Transaction } from '../ledger/transaction.js';
import {
  type AnswerOf,
  type BodyOf,
  fillPath,
  type PathParamName,
  ROUTES,
  type RouteDeclaration,
  sessionSigningBytes,
} from '../routes/index.js';
import type {
  BlockTransactions,
  CommitProofAnswer,
  CommittedTransaction,
  CrossAccountAnswer,
  CrossTradeAnswer,
  CycleMastersAnswer,
  NodeHealth,
  NodeStatus,
  ProvenStateKey,
  RolesAnswer,
  Session,
  ShardingAnswer,
  ShardNetwork,
  StateValue,
  SubmitResult,
  ZonesAnswer,
} from './answers.js';
import { type CommitWait, waitUntilCommitted } from './commit-wait.js';
import { ClientError } from './errors.js';

export type * from './answers.js';
export { ClientError, type ClientErrorCode } from './errors.js';

/** What a request of a route carries: its path parameters and its body, typed by its schemas. */
type RouteInput<R extends RouteDeclaration> = ([PathParamName<R['path']>] extends [never]
  ? { readonly params?: undefined }
  : { readonly params: Readonly<Record<PathParamName<R['path']>, string | number>> }) &
  (BodyOf<R> extends undefined ? { readonly body?: undefined } : { readonly body: BodyOf<R> });

export interface ClientOptions {
  /** Limit of one HTTP request to one node (default 10 s). */
  readonly timeoutMs?: number;
  /** The chain's hash, to name a transaction before any node has answered (default SHA-256). */
  readonly hash?: (bytes: Uint8Array) => Uint8Array;
  /** The clock and the pause of `submitUntilCommitted`; tests pass a simulated pair. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How long requests wait out a busy node's `Retry-After` before they give up. */
  readonly retry?: RetryBounds;
}

export interface RetryBounds {
  /** Sends of one request in all, the first included (default 3; 1 never waits). */
  readonly maxAttempts?: number;
  /** The most a request waits in all; a `Retry-After` that would pass it is not waited (default 30 s). */
  readonly maxTotalWaitMs?: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** A session token (`openSession`), for private reads. */
  readonly token?: string;
  /** Wait out a busy node's `Retry-After` within the client's `retry` bounds (default true). */
  readonly waitOutBusy?: boolean;
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

/**
 * The routes a request may be sent again on: reads, and transaction submission, which is
 * idempotent by the transaction's hash (the same bytes again are admitted once; a second send
 * answers 409 DUPLICATE_TRANSACTION while the first is pending). A 429 or 503 admitted nothing.
 */
function retryable(route: RouteDeclaration): boolean {
  return route.method === 'GET' || route === ROUTES.submit || route === ROUTES.submitMany;
}

/** The wait a 429 or 503 asks for (`Retry-After`: whole seconds or an HTTP date), if any. */
export function retryAfterOf(response: Response, nowMs: number): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const value = response.headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
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
  private readonly retry: Required<RetryBounds>;

  constructor(baseUrls: string | readonly string[], options: number | ClientOptions = {}) {
    this.baseUrls = typeof baseUrls === 'string' ? [baseUrls] : [...baseUrls];
    if (this.baseUrls.length === 0) throw new RangeError('a client needs at least one base URL');
    const init = typeof options === 'number' ? { timeoutMs: options } : options;
    this.timeoutMs = init.timeoutMs ?? 10_000;
    this.hashOf = init.hash ?? ((bytes) => ed25519Scheme.hash(bytes));
    this.now = init.now ?? (() => Date.now());
    this.sleep = init.sleep ?? abortableSleep;
    this.retry = {
      maxAttempts: Math.max(1, init.retry?.maxAttempts ?? 3),
      maxTotalWaitMs: Math.max(0, init.retry?.maxTotalWaitMs ?? 30_000),
    };
  }

  /** The URL the next request goes to first. */
  get baseUrl(): string {
    return this.baseUrls[this.preferred]!;
  }

  /** Sends the next requests to the following validator first (its current one refused work). */
  rotate(): void {
    this.preferred = (this.preferred + 1) % this.baseUrls.length;
  }

  /**
   * Sends one request of a declared route: its method, its path with the parameters filled in,
   * the body its schema types, and the session token when given. A 429 or 503 that names a
   * `Retry-After` is waited out and the request sent again, when the route is safe to repeat
   * (`retryable`) and the wait fits the client's `retry` bounds; otherwise it rejects with
   * HTTP_ERROR carrying `retryAfterMs`.
   */
  private async request<R extends RouteDeclaration, T>(
    route: R,
    input: RouteInput<R>,
    options: RequestOptions = {},
  ): Promise<T> {
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(route, input, options);
      const retryAfterMs = retryAfterOf(response, this.now());
      if (
        retryAfterMs === undefined ||
        !retryable(route) ||
        options.waitOutBusy === false ||
        attempt >= this.retry.maxAttempts ||
        waitedMs + retryAfterMs > this.retry.maxTotalWaitMs
      )
        return this.answer<T>(response, retryAfterMs);
      await response.body?.cancel();
      await this.sleep(retryAfterMs, options.signal);
      waitedMs += retryAfterMs;
    }
  }

  /** One request, to the preferred validator or, when it cannot be reached, the next ones in turn. */
  private async send<R extends RouteDeclaration>(
    route: R,
    input: RouteInput<R>,
    options: RequestOptions,
  ): Promise<Response> {
    const path = fillPath(route, (input.params ?? {}) as Record<PathParamName<R['path']>, string | number>);
    const headers: Record<string, string> = {};
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.baseUrls.length; attempt++) {
      const index = (this.preferred + attempt) % this.baseUrls.length;
      const url = this.baseUrls[index]!;
      if (options.signal?.aborted) throw aborted();
      const timeout = AbortSignal.timeout(this.timeoutMs);
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method: route.method,
          headers,
          ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
          signal: options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]),
        });
      } catch (error) {
        if (options.signal?.aborted) throw aborted();
        failures.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      this.preferred = index;
      return response;
    }
    throw new ClientError('UNREACHABLE', `${route.method} ${path}: ${failures.join('; ')}`, {});
  }

  /** The answer of a read, or null when the node answers 404 (no such block, transaction, …). */
  private async found<R extends RouteDeclaration, T>(
    route: R,
    input: RouteInput<R>,
    options: RequestOptions = {},
  ): Promise<T | null> {
    try {
      return await this.request<R, T>(route, input, options);
    } catch (error) {
      if (error instanceof ClientError && error.data.status === 404) return null;
      throw error;
    }
  }

  private async answer<T>(response: Response, retryAfterMs?: number): Promise<T> {
    const json = (await response.json().catch(() => ({}))) as T & { detail?: string; code?: string };
    if (response.status >= 400) {
      throw new ClientError(
        'HTTP_ERROR',
        `${response.status} ${json.code ?? ''}: ${json.detail ?? 'error'}`,
        {
          status: response.status,
          ...(json.code === undefined ? {} : { code: json.code }),
          ...(json.detail === undefined ? {} : { detail: json.detail }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
      );
    }
    return json;
  }

  async status(options: RequestOptions = {}): Promise<NodeStatus> {
    return this.request(ROUTES.status, {}, options);
  }

  async health(options: RequestOptions = {}): Promise<NodeHealth> {
    return this.request(ROUTES.health, {}, options);
  }

  /** The shard's validators, their roles and addresses, and which the node is connected to. */
  async network(options: RequestOptions = {}): Promise<ShardNetwork> {
    return this.request(ROUTES.network, {}, options);
  }

  /**
   * Submits a signed transaction; resolves with its hash once one node admitted it. Admission
   * (HTTP 202) is not durable: the node holds the transaction in memory only, and loses it if it
   * stops before proposing it. Use `submitUntilCommitted` when the transaction must not be lost.
   */
  async submit(tx: Transaction | Uint8Array, options: RequestOptions = {}): Promise<string> {
    const body = { tx: toHex(bytesOf(tx)) };
    return (await this.request<typeof ROUTES.submit, { hash: string }>(ROUTES.submit, { body }, options))
      .hash;
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
    const bytes = bytesOf(tx);
    return waitUntilCommitted(
      {
        hash: toHex(this.hashOf(bytes)),
        // With other validators to turn to, a busy one is left at once rather than waited for.
        submit: (signal) => this.submit(bytes, { signal, waitOutBusy: this.baseUrls.length === 1 }),
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
    const body = { txs: txs.map((tx) => toHex(bytesOf(tx))) };
    type Answer = { results: SubmitResult[] };
    return (await this.request<typeof ROUTES.submitMany, Answer>(ROUTES.submitMany, { body })).results;
  }

  /** A committed transaction and its receipt; null while it is in no block. */
  async transaction(hash: string, options: RequestOptions = {}): Promise<CommittedTransaction | null> {
    return this.found(ROUTES.transaction, { params: { hash } }, options);
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

  /** A block with its transactions' hashes and receipts; null past the head. */
  async block(height: number, options: RequestOptions = {}): Promise<Record<string, unknown> | null> {
    return this.found(ROUTES.block, { params: { height } }, options);
  }

  async blockByHash(hash: string, options: RequestOptions = {}): Promise<Record<string, unknown> | null> {
    return this.found(ROUTES.blockByHash, { params: { hash } }, options);
  }

  /** A block's transactions as canonical bytes, in order; null past the head. */
  async blockTransactions(height: number, options: RequestOptions = {}): Promise<BlockTransactions | null> {
    return this.found(ROUTES.blockTransactions, { params: { height } }, options);
  }

  /** The grid zones the system is sharded by, and the shard this node serves. */
  async zones(options: RequestOptions = {}): Promise<ZonesAnswer> {
    return this.request<typeof ROUTES.zones, ZonesAnswer>(ROUTES.zones, {}, options);
  }

  /** This chain's place in the sharded system and the masters of the current cycle. */
  async sharding(options: RequestOptions = {}): Promise<ShardingAnswer> {
    return this.request<typeof ROUTES.sharding, ShardingAnswer>(ROUTES.sharding, {}, options);
  }

  /** The master order of every zone shard for `cycle`. */
  async cycleMasters(cycle: number, options: RequestOptions = {}): Promise<CycleMastersAnswer> {
    return this.request<typeof ROUTES.cycleMasters, CycleMastersAnswer>(
      ROUTES.cycleMasters,
      { params: { cycle: String(cycle) } },
      options,
    );
  }

  /** The chain's nodes with role and credit, which the answering node audits from its chain. */
  async roles(options: RequestOptions = {}): Promise<RolesAnswer> {
    return this.request<typeof ROUTES.roles, RolesAnswer>(ROUTES.roles, {}, options);
  }

  /** Where a cross-zone trade (id, hex) stands in this shard; null when the shard has no record of it. */
  async crossTrade(id: string, options: RequestOptions = {}): Promise<CrossTradeAnswer | null> {
    return this.found(ROUTES.crossTrade, { params: { id } }, options);
  }

  /** A cross-zone account homed in this shard; null when there is none. */
  async crossAccount(account: string, options: RequestOptions = {}): Promise<CrossAccountAnswer | null> {
    return this.found(ROUTES.crossAccount, { params: { account } }, options);
  }

  /** Sends a validator's vote share (hex) on a trade (hex) to this node as master; true if counted. */
  async sendVoteShare(trade: string, share: string, options: RequestOptions = {}): Promise<boolean> {
    const body = { trade, share };
    return (
      await this.request<typeof ROUTES.crossShare, { accepted: boolean }>(
        ROUTES.crossShare,
        { body },
        options,
      )
    ).accepted;
  }

  /** The block's commit proof (2f + 1 committee signatures); null while this node has not collected it. */
  async commitProof(height: number, options: RequestOptions = {}): Promise<CommitProofAnswer | null> {
    return this.found(ROUTES.commitProof, { params: { height } }, options);
  }

  /**
   * A state value (hex key) with its proof against the head state root. A member's private
   * record needs the token of a session of one of its parties or of an approved regulator.
   */
  async state(key: string, options: RequestOptions = {}): Promise<StateValue> {
    return this.request(ROUTES.state, { params: { key } }, options);
  }

  /** The proof of a state key without its value: public for every key. */
  async stateProof(key: string, options: RequestOptions = {}): Promise<ProvenStateKey> {
    return this.request(ROUTES.stateProof, { params: { key } }, options);
  }

  /**
   * Opens a session for private reads: asks for a challenge, signs it with the member's key and
   * exchanges it for a bearer token (pass it as `token` to the private reads). A challenge and
   * its token are valid at the validator that issued them only, so both requests and the reads
   * that use the token go to the validator that answered the first.
   */
  async openSession(signer: Signer, chainId: string, options: RequestOptions = {}): Promise<Session> {
    const issued = await this.request<typeof ROUTES.authChallenge, { challenge: string }>(
      ROUTES.authChallenge,
      {},
      options,
    );
    const body = {
      publicKey: toHex(signer.publicKey),
      challenge: issued.challenge,
      signature: toHex(signer.sign(sessionSigningBytes(chainId, issued.challenge))),
    };
    return this.request(ROUTES.authSession, { body }, options);
  }

  /** A trading cycle's state and public per-interval summaries; null when there is no such cycle. */
  async marketCycle(cycleId: string, options: RequestOptions = {}): Promise<Record<string, unknown> | null> {
    return this.found(ROUTES.cycle, { params: { cycleId } }, options);
  }

  /** A member's public registry entry; null when the key is not registered. */
  async marketMember(
    publicKeyHex: string,
    options: RequestOptions = {},
  ): Promise<Record<string, unknown> | null> {
    return this.found(ROUTES.member, { params: { key: publicKeyHex } }, options);
  }

  /** A member's settlement statement for a cycle (a session of the member or of a regulator); null when none. */
  async marketStatement(
    cycleId: string,
    publicKeyHex: string,
    options: RequestOptions & { readonly token: string },
  ): Promise<Record<string, unknown> | null> {
    return this.found(ROUTES.statement, { params: { cycleId, key: publicKeyHex } }, options);
  }

  /** The contracts of a cycle the member is a party to (a session of the member or of a regulator). */
  async marketContracts(
    cycleId: string,
    publicKeyHex: string,
    options: RequestOptions & { readonly token: string },
  ): Promise<Record<string, unknown>> {
    return this.request(ROUTES.contracts, { params: { cycleId, key: publicKeyHex } }, options);
  }

  /**
   * The contracts of a contracted cycle still waiting for the member's signature, each with the
   * roles to sign and `acceptBeforeMs` (a session of the member or of a regulator).
   */
  async marketAwaiting(
    cycleId: string,
    publicKeyHex: string,
    options: RequestOptions & { readonly token: string },
  ): Promise<Record<string, unknown>> {
    return this.request(ROUTES.awaiting, { params: { cycleId, key: publicKeyHex } }, options);
  }

  /**
   * The AC power flow behind an interval's security check (a session of the cycle's grid
   * enterprise, whose key is given, or of a regulator); null when the cycle, the interval or its
   * check is unknown, or the chain runs no power flow.
   */
  async gridPowerFlow(
    cycleId: string,
    interval: number,
    gridEnterpriseKeyHex: string,
    options: RequestOptions & { readonly token: string },
  ): Promise<AnswerOf<typeof ROUTES.powerFlow, 200> | null> {
    return this.found(
      ROUTES.powerFlow,
      { params: { cycleId, interval: String(interval), key: gridEnterpriseKeyHex } },
      options,
    );
  }
}

function bytesOf(tx: Transaction | Uint8Array): Uint8Array {
  return tx instanceof Uint8Array ? tx : encodeTransaction(tx);
}
