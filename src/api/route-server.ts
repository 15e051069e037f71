import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type BodyOf,
  operationKey,
  type ParamsOf,
  type RouteDeclaration,
  routerPath,
} from '../routes/index.js';
import { ApiError } from './errors.js';
import type { PrivateReadGate } from './privacy.js';
import { sendProblem } from './problem.js';

export type RouteRequest<R extends RouteDeclaration> = FastifyRequest<{
  Params: ParamsOf<R>;
  Body: BodyOf<R>;
}>;
export type RouteHandler<R extends RouteDeclaration> = (
  request: RouteRequest<R>,
  reply: FastifyReply,
) => unknown;

/** What the declarations' access and rate-limit classes mean on this server. */
export interface RouteWiring {
  /** The authentication budget, taken on top of the per-request one by `auth` routes. */
  readonly authRateLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  readonly batchBodyLimitBytes: number;
  readonly gate: PrivateReadGate;
}

const SECURITY = {
  public: undefined,
  'private-keys': [{}, { bearer: [] }],
  'owner-or-regulator': [{ bearer: [] }],
} as const;

async function allowAnyOrigin(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('access-control-allow-origin', '*');
}

/**
 * Registers handlers from the route declarations: the path, the schemas that validate the request
 * and generate the OpenAPI document, the security it documents, the rate limits and body limit of
 * its class, the cross-origin header of routes any page may read, and, for `owner-or-regulator`
 * routes, the session check before the handler runs.
 * A handler file names its declaration and nothing else; `unserved` lists the declarations no
 * handler took, and the server refuses to start with any.
 */
export class RouteServer {
  private readonly served = new Set<RouteDeclaration>();

  constructor(
    readonly app: FastifyInstance,
    private readonly wiring: RouteWiring,
  ) {}

  serve<R extends RouteDeclaration>(route: R, handler: RouteHandler<R>): void {
    if (this.served.has(route)) {
      throw new ApiError('ROUTE_SERVED_TWICE', `${operationKey(route)} has two handlers`, {
        route: operationKey(route),
      });
    }
    this.served.add(route);
    const security = SECURITY[route.auth];
    const { gate } = this.wiring;
    // The cross-origin header is set before the handler runs, so its refusals are readable too.
    const onRequest = [
      ...(route.rateLimit === 'auth' ? [this.wiring.authRateLimit] : []),
      ...(route.crossOrigin ? [allowAnyOrigin] : []),
    ];
    this.app.route<{ Params: ParamsOf<R>; Body: BodyOf<R> }>({
      method: route.method,
      url: routerPath(route),
      ...(route.bodyLimit === 'batch' ? { bodyLimit: this.wiring.batchBodyLimitBytes } : {}),
      ...(onRequest.length === 0 ? {} : { onRequest }),
      ...(route.auth === 'owner-or-regulator'
        ? {
            preHandler: async (request, reply) => {
              const owner = (request.params as { key?: string }).key ?? '';
              const denied = gate.check(request.headers.authorization, [owner]);
              if (denied !== null) return sendProblem(reply, denied.status, denied.detail, denied.code);
            },
          }
        : {}),
      schema: {
        summary: route.summary,
        ...(route.description === undefined ? {} : { description: route.description }),
        tags: [...route.tags],
        ...(security === undefined ? {} : { security }),
        ...(route.params === undefined ? {} : { params: route.params }),
        ...(route.query === undefined ? {} : { querystring: route.query }),
        ...(route.body === undefined ? {} : { body: route.body }),
        ...(Object.keys(route.response).length === 0 ? {} : { response: route.response }),
        ...(route.undocumented ? { hide: true } : {}),
      },
      handler: handler as RouteHandler<RouteDeclaration> as never,
    });
  }

  /** The declarations of `routes` that no handler was registered for. */
  unserved(routes: Readonly<Record<string, RouteDeclaration>>): RouteDeclaration[] {
    return Object.values(routes).filter((route) => !this.served.has(route));
  }
}
