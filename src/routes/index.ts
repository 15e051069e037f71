import * as chain from './chain.js';
import type { RouteDeclaration } from './declare.js';
import * as grid from './grid.js';
import * as market from './market.js';
import * as service from './service.js';
import * as sharding from './sharding.js';
import * as transactions from './transactions.js';

export {
  type AnswerOf,
  type BodyOf,
  fillPath,
  type HttpMethod,
  operationKey,
  type ParamsOf,
  type PathParamName,
  type RateLimitClass,
  type RouteAuth,
  type RouteDeclaration,
  routerPath,
} from './declare.js';
export { RouteError, type RouteErrorCode } from './errors.js';
export { CHALLENGE_HEX_LENGTH, sessionSigningBytes } from './market.js';
export { type Infer, type JsonSchema, problemSchema, retryLaterSchema } from './schema.js';
export { MAX_TRANSACTIONS_PER_REQUEST } from './transactions.js';

/**
 * Every route of the node's HTTP API, declared once. The server registers its handlers from
 * these declarations (src/api) and generates the OpenAPI document from them; the SDK (src/sdk)
 * builds its requests from them. This folder is pure data and imports no HTTP framework.
 */
export const ROUTES = {
  health: chain.health,
  status: chain.status,
  network: chain.network,
  zones: chain.zones,
  block: chain.block,
  blockTransactions: chain.blockTransactions,
  commitProof: chain.commitProof,
  blockByHash: chain.blockByHash,
  transaction: chain.transaction,
  state: chain.state,
  stateProof: chain.stateProof,
  events: chain.events,
  submit: transactions.submit,
  submitMany: transactions.submitMany,
  authChallenge: market.authChallenge,
  authSession: market.authSession,
  statement: market.statement,
  contracts: market.contracts,
  awaiting: market.awaiting,
  cycle: market.cycle,
  member: market.member,
  powerFlow: grid.powerFlow,
  sharding: sharding.sharding,
  crossShare: sharding.crossShare,
  crossTrade: sharding.crossTrade,
  crossAccount: sharding.crossAccount,
  cycleMasters: sharding.cycleMasters,
  roles: sharding.roles,
  openapi: service.openapi,
  metrics: service.metrics,
} as const satisfies Record<string, RouteDeclaration>;

export type RouteName = keyof typeof ROUTES;

/**
 * Routes the SDK does not call, each with the reason. Every other route is reached by an SDK
 * method (test/sdk/routes-agree.test.ts holds both lists to the OpenAPI document).
 */
export const SERVER_ONLY: Readonly<Partial<Record<RouteName, string>>> = {
  events: 'a stream of server-sent events, read with an EventSource; the SDK polls blocks and transactions',
  openapi: 'the document itself, for tools that generate clients',
  metrics: 'Prometheus text for the operator’s scraper',
};
