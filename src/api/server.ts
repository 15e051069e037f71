import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { operationKey, ROUTES } from '../routes/index.js';
import { CommitRate, retryAfterSeconds } from './back-pressure.js';
import { blockEvent, registerChainRoutes } from './chain-routes.js';
import { creditEvent, creditWatchOf, followCredit } from './credit-events.js';
import { ApiError } from './errors.js';
import { EventHub, registerEventRoutes } from './events.js';
import { registerGridRoutes } from './grid-routes.js';
import type { ApiNode } from './interface.js';
import { installStrictJson } from './json-body.js';
import { type ApiLimits, ConnectionGuard, clientKey, resolveLimits } from './limits.js';
import { marketAt, registerMarketRoutes } from './market-routes.js';
import { isApiPath, type PortalOptions, portalFallback } from './portal.js';
import { PrivateReadGate } from './privacy.js';
import {
  clientErrorProblem,
  frameworkErrorProblem,
  installProblemHandling,
  sendRetryLater,
} from './problem.js';
import { RateLimiter } from './rate-limit.js';
import {
  committeeEvents,
  keyGenerationEvents,
  registerRolesRoutes,
  suspensionEvents,
} from './roles-routes.js';
import { RouteServer } from './route-server.js';
import { SessionTable } from './sessions.js';
import { registerShardingRoutes } from './sharding-routes.js';
import { registerTransactionRoutes } from './tx-routes.js';

export interface ApiOptions {
  readonly host: string;
  readonly port: number;
  /** Overrides of the defaults in DEFAULT_API_LIMITS. */
  readonly limits?: Partial<ApiLimits>;
  /** The clock for rate limits, challenges and sessions. */
  readonly now?: () => number;
  /** Where the built web portal is (dist/web by default). */
  readonly portal?: PortalOptions;
}

/**
 * The longest path parameter any route declares: a state key of 512 bytes in hex. Longer ones are
 * refused with 414 before routing; shorter ones reach the route's own schema.
 */
const MAX_PARAM_LENGTH = 1024;

/**
 * The node's HTTP API (Fastify): every route is declared once as data in src/routes, whose JSON
 * schemas validate requests and produce the OpenAPI 3 document at /openapi.json and the
 * interactive docs at /docs; the handlers live in the files that own them here. Every
 * error is application/problem+json (RFC 9457). The edge is bounded everywhere: request and
 * header timeouts, connections, requests and event streams per client address, sessions per key
 * and per address (see limits.ts and docs/SECURITY.md).
 */
export async function buildApi(node: ApiNode, options: ApiOptions): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const now = options.now ?? (() => Date.now());
  const rejected = (reason: string) => node.metrics.apiRejected.inc({ reason });
  // Strict validation: no type coercion and no silent dropping of unknown fields; a request is
  // either exactly right or refused with a problem answer.
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorProblem,
    clientErrorHandler: clientErrorProblem,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const guard = new ConnectionGuard(limits, rejected);
  app.server.on('connection', (socket) => guard.admit(socket));
  const limiter = new RateLimiter(limits.rateLimitPerSecond);

  installProblemHandling(app, rejected, {
    owns: (path) => !isApiPath(path),
    handle: portalFallback(options.portal),
  });
  installStrictJson(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'GridShard node API',
        version: '1.0.0',
        description: 'Chain, network and transaction submission for one GridShard node.',
      },
      servers: [{ url: `http://${options.host}:${options.port}` }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (request, reply) => {
    const client = clientKey(request.ip);
    if (!limiter.take(client, now())) {
      rejected('rate-limit');
      const wait = retryAfterSeconds(limiter.waitMs(client, now()));
      return sendRetryLater(
        reply,
        429,
        wait,
        'too many requests from this address; slow down',
        'RATE_LIMITED',
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    node.metrics.apiRequests.inc({
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });

  // Each session costs a signature check: the `auth` class has a tighter budget of its own.
  const authLimiter = new RateLimiter(limits.authRateLimitPerSecond);
  const authRateLimit = async (request: FastifyRequest, reply: FastifyReply) => {
    const client = clientKey(request.ip);
    if (!authLimiter.take(client, now())) {
      rejected('auth-rate-limit');
      const wait = retryAfterSeconds(authLimiter.waitMs(client, now()));
      return sendRetryLater(
        reply,
        429,
        wait,
        'too many authentication requests from this address',
        'RATE_LIMITED',
      );
    }
  };
  const sessions = new SessionTable(node.genesis.chainId, limits);
  const gate = new PrivateReadGate(sessions, (key) => marketAt(node).member(key), now);
  const server = new RouteServer(app, {
    authRateLimit,
    batchBodyLimitBytes: limits.batchBodyLimitBytes,
    gate,
  });

  server.serve(ROUTES.openapi, async () => app.swagger());
  registerChainRoutes(server, node, gate);
  // The commit rate sets how long a full mempool asks clients to wait (back-pressure.ts).
  const commits = new CommitRate();
  const onBlock = (block: { readonly txHashes: readonly unknown[] }) =>
    commits.record(block.txHashes.length, now());
  node.on('block', onBlock);
  app.addHook('onClose', async () => {
    node.off('block', onBlock);
  });
  registerTransactionRoutes(server, node, limiter, commits, now);
  const keyGeneration = keyGenerationEvents(node);
  const committee = committeeEvents(node);
  const hub = new EventHub(
    node,
    limits,
    (block) => blockEvent(block) + suspensionEvents(block, node) + keyGeneration(block) + committee(block),
    (reason) => rejected(reason),
  );
  registerEventRoutes(server, hub, rejected);
  registerMarketRoutes(server, node, now, sessions);
  registerGridRoutes(server, node);
  registerShardingRoutes(server, node, now);
  // Credit is audited as blocks close cycles, and each audited cycle is told to the event streams.
  const credit = creditWatchOf(node, (cycle) => hub.publishEvent('credit', creditEvent(cycle, node)));
  if (credit !== null) {
    const unfollow = followCredit(node, credit);
    app.addHook('onClose', async () => unfollow());
  }
  registerRolesRoutes(server, node, credit);
  server.serve(ROUTES.metrics, async (_request, reply) => {
    reply.type(node.metrics.registry.contentType);
    return node.metrics.registry.metrics();
  });

  const unserved = server.unserved(ROUTES);
  if (unserved.length > 0) {
    throw new ApiError(
      'ROUTE_NOT_SERVED',
      `declared routes without a handler: ${unserved.map(operationKey)}`,
      {
        routes: unserved.map(operationKey),
      },
    );
  }

  return app;
}
