import { ClientError } from './errors.js';

export interface CommitWait {
  /** Give up (TIMEOUT) when the transaction is not in a block this long after the call (default 60 s). */
  readonly deadlineMs?: number;
  /** Pause between two look-ups of the hash while all goes well (default 200 ms). */
  readonly pollMs?: number;
  /**
   * Send the bytes again when they were last acknowledged this long ago and are still not in a
   * block (default 5 s): the node that acknowledged them may have lost them.
   */
  readonly resendAfterMs?: number;
  /** Pause after a failure (no node reachable, node full), doubled on each one in a row (default 250 ms). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly signal?: AbortSignal;
}

/** A transaction as a look-up by hash finds it. */
export interface FoundTransaction {
  readonly hash: string;
}

/** What the wait needs of a client, so that it reads as the protocol it is. */
export interface CommitWaitPorts<T extends FoundTransaction> {
  /** The transaction's hash (hex), computed by the client from the bytes. */
  readonly hash: string;
  /** Sends the same bytes; resolves with the hash the node named. */
  submit(signal?: AbortSignal): Promise<string>;
  find(hash: string, signal?: AbortSignal): Promise<T | null>;
  /** Prefer the next validator from now on. */
  rotate(): void;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Refusals that say a node is busy, not that the transaction is wrong: another may take it. */
const BUSY_CODES = new Set(['MEMPOOL_FULL', 'SENDER_LIMIT', 'RATE_LIMITED']);

function isBusy(error: ClientError): boolean {
  const status = error.data.status ?? 0;
  return BUSY_CODES.has(error.data.code ?? '') || status === 429 || status >= 500;
}

/**
 * The client's half of the acknowledgement contract (docs/API.md): a transaction acknowledged by
 * a node is in that node's memory only, so the client keeps its bytes and sends them again until
 * it finds them in a block, learns that their nonce went to another transaction, or runs out of
 * time. Sending the same bytes twice is harmless: they carry one nonce, which executes once.
 */
export async function waitUntilCommitted<T extends FoundTransaction>(
  ports: CommitWaitPorts<T>,
  options: CommitWait,
): Promise<T> {
  const deadlineMs = ports.now() + (options.deadlineMs ?? 60_000);
  const pollMs = options.pollMs ?? 200;
  const resendAfterMs = options.resendAfterMs ?? 5_000;
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const { signal } = options;
  let acknowledgedAtMs = Number.NEGATIVE_INFINITY;
  let failures = 0;

  for (;;) {
    if (signal?.aborted) throw new ClientError('ABORTED', 'the caller aborted the wait', {});
    if (ports.now() - acknowledgedAtMs >= resendAfterMs) {
      try {
        const named = await ports.submit(signal);
        if (named !== ports.hash) {
          throw new ClientError(
            'HASH_MISMATCH',
            `a node named ${named} for the transaction ${ports.hash}`,
            {},
          );
        }
        acknowledgedAtMs = ports.now();
        failures = 0;
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
        const code = error.data.code ?? '';
        if (error.code === 'UNREACHABLE') {
          failures++;
        } else if (error.code !== 'HTTP_ERROR') {
          throw error;
        } else if (code === 'DUPLICATE_TRANSACTION') {
          // Pending at that node: as good as an acknowledgement.
          acknowledgedAtMs = ports.now();
          failures = 0;
        } else if (code === 'STALE_NONCE') {
          // The nonce is used. A node writes a block's transaction index before it shows the
          // block's state, so if these bytes used it, the same node names their block now.
          const found = await ports.find(ports.hash, signal);
          if (found !== null) return found;
          throw new ClientError('SUPERSEDED', `another transaction used the nonce of ${ports.hash}`, {
            code,
          });
        } else if (isBusy(error)) {
          ports.rotate();
          failures++;
        } else {
          throw error;
        }
      }
    }
    const pauseMs = failures === 0 ? pollMs : Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs);
    await ports.sleep(Math.max(0, Math.min(pauseMs, deadlineMs - ports.now())), signal);
    try {
      const found = await ports.find(ports.hash, signal);
      if (found !== null) return found;
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.code === 'UNREACHABLE') failures++;
      else if (isBusy(error)) {
        ports.rotate();
        failures++;
      } else throw error;
    }
    if (ports.now() >= deadlineMs) {
      throw new ClientError(
        'TIMEOUT',
        `transaction ${ports.hash} was not found in a block before the deadline; it may still be committed`,
        {},
      );
    }
  }
}
