import { fromHex } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import { ROUTES } from '../routes/index.js';
import { type CommitRate, drainSeconds, retryAfterSeconds } from './back-pressure.js';
import type { ApiNode } from './interface.js';
import { clientKey } from './limits.js';
import { sendProblem, sendRetryLater } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import type { RouteServer } from './route-server.js';

/** Transaction submission, one at a time or in batches, each admitted or refused on its own. */
export function registerTransactionRoutes(
  server: RouteServer,
  node: ApiNode,
  limiter: RateLimiter,
  commits: CommitRate,
  now: () => number,
): void {
  server.serve(ROUTES.submit, async (request, reply) => {
    const outcome = submitOne(node, request.body.tx);
    if ('hash' in outcome) return reply.status(202).send(outcome);
    if (outcome.status === 503) {
      const wait = drainSeconds(node.mempool.size, commits.perSecond(now()));
      return sendRetryLater(reply, 503, wait, outcome.detail, outcome.code);
    }
    return sendProblem(reply, outcome.status, outcome.detail, outcome.code);
  });

  server.serve(ROUTES.submitMany, async (request, reply) => {
    const { txs } = request.body;
    // The request itself took one token; each further transaction takes one more.
    const client = clientKey(request.ip);
    if (txs.length > 1 && !limiter.take(client, now(), txs.length - 1)) {
      node.metrics.apiRejected.inc({ reason: 'rate-limit' });
      const wait = retryAfterSeconds(limiter.waitMs(client, now(), txs.length - 1));
      return sendRetryLater(
        reply,
        429,
        wait,
        'too many transactions from this address; slow down',
        'RATE_LIMITED',
      );
    }
    const results = txs.map((tx) => {
      const outcome = submitOne(node, tx);
      return 'hash' in outcome ? outcome : { status: 'refused', code: outcome.code, detail: outcome.detail };
    });
    return reply.send({ accepted: results.filter((r) => r.status === 'pending').length, results });
  });
}

type SubmitOutcome =
  | { readonly hash: string; readonly status: 'pending' }
  | { readonly status: 409 | 422 | 503; readonly code: string; readonly detail: string };

/** Admits one hex-encoded transaction, mapping a refusal to its HTTP status and code. */
function submitOne(node: ApiNode, hex: string): SubmitOutcome {
  try {
    return { hash: node.submit(fromHex(hex)).hash, status: 'pending' };
  } catch (error) {
    if (!isGridShardError(error)) throw error;
    node.metrics.apiRejected.inc({ reason: error.code });
    const status =
      error.code === 'DUPLICATE_TRANSACTION' || error.code === 'STALE_NONCE'
        ? 409
        : error.code === 'MEMPOOL_FULL' || error.code === 'SENDER_LIMIT'
          ? 503
          : 422;
    return { status, code: error.code, detail: error.message };
  }
}
