import { RouteError } from './errors.js';
import type { Infer, JsonSchema } from './schema.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * Who may call a route. `public`: anyone. `private-keys`: anyone, except that the state of a
 * member's private market record answers only to a bearer session of one of its parties or of an
 * approved regulator (the route decides per key). `owner-or-regulator`: a bearer session of the
 * member named by the `key` parameter, or of an approved regulator.
 */
export type RouteAuth = 'public' | 'private-keys' | 'owner-or-regulator';

/**
 * Which rate limits a request takes tokens from. `request`: one token of the per-address budget.
 * `per-transaction`: one token per transaction in the body. `auth`: one request token and one of
 * the tighter authentication budget (each session costs a signature check).
 */
export type RateLimitClass = 'request' | 'per-transaction' | 'auth';

/**
 * One HTTP route as data: what the server validates and documents, and what a client fills in.
 * Paths are templates with `{name}` parameters, as OpenAPI writes them.
 */
export interface RouteDeclaration {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly auth: RouteAuth;
  readonly rateLimit: RateLimitClass;
  /** `batch`: the route takes the larger body limit of multi-transaction submissions. */
  readonly bodyLimit?: 'batch';
  readonly params?: JsonSchema;
  readonly query?: JsonSchema;
  readonly body?: JsonSchema;
  /** The JSON schema of each status's answer; an error status answers a problem. */
  readonly response: { readonly [status: number]: JsonSchema };
  /** Left out of the OpenAPI document (the document itself, metrics). */
  readonly undocumented?: true;
  /**
   * Readable from pages of any origin (`Access-Control-Allow-Origin: *`): a public answer that a
   * portal served by one validator reads from the others. Never set on a route that reads a session.
   */
  readonly crossOrigin?: true;
}

/** The names of a path template's parameters: `'/a/{x}/b/{y}'` → `'x' | 'y'`. */
export type PathParamName<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamName<Rest>
  : never;

export type ParamsOf<R extends RouteDeclaration> = R extends { readonly params: infer S }
  ? Infer<S>
  : Record<string, never>;
export type BodyOf<R extends RouteDeclaration> = R extends { readonly body: infer S } ? Infer<S> : undefined;
export type AnswerOf<R extends RouteDeclaration, Status extends number> = Infer<R['response'][Status]>;

/**
 * The path of a route with its parameters filled in, each percent-encoded as one segment, so a
 * value can never reach another route.
 */
export function fillPath<R extends RouteDeclaration>(
  route: R,
  params: Readonly<Record<PathParamName<R['path']>, string | number>>,
): string {
  const values = params as Readonly<Record<string, string | number>>;
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new RouteError('MISSING_PARAMETER', `${operationKey(route)}: no value for {${name}}`, {
        route: operationKey(route),
        parameter: name,
      });
    }
    return encodeURIComponent(String(value));
  });
}

/** The path in the router's syntax: `{name}` → `:name`. */
export function routerPath(route: RouteDeclaration): string {
  return route.path.replace(/\{(\w+)\}/g, ':$1');
}

/** The operation's key in the OpenAPI document and in the route table: `GET /api/v1/status`. */
export function operationKey(route: Pick<RouteDeclaration, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
