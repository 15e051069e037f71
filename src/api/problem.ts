import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** RFC 9457 problem details: every API error has this shape and media type. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code?: string;
}

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail'],
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, code?: string): Problem {
  return {
    type:
      code === undefined
        ? 'about:blank'
        : `https://gridshard.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(code === undefined ? {} : { code }),
  };
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  code?: string,
): FastifyReply {
  return reply
    .status(status)
    .type('application/problem+json')
    .send(problem(status, detail, code));
}

/** A 429 or 503 that tells the client when to send again (`Retry-After`, whole seconds). */
export function sendRetryLater(
  reply: FastifyReply,
  status: 429 | 503,
  retryAfterS: number,
  detail: string,
  code: string,
): FastifyReply {
  reply.header('retry-after', String(retryAfterS));
  return sendProblem(reply, status, detail, code);
}

/** A problem written straight to a socket, for errors raised before Fastify has a request. */
export function rawProblem(status: number, detail: string, code: string): string {
  const body = JSON.stringify(problem(status, detail, code));
  return (
    `HTTP/1.1 ${status} ${TITLES[status] ?? 'Error'}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

type FrameworkError = Error & { statusCode?: number; validation?: unknown; code?: string };

/**
 * Fastify's own refusals, each with a fixed sentence: their messages quote the request (a URL, a
 * media type, a fragment of a JSON body), and an error answer never repeats raw input.
 */
const KNOWN: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'the request body is larger than this route accepts', 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'request bodies must be application/json', 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the request body is not valid JSON', 'MALFORMED_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'an application/json request body must not be empty', 'MALFORMED_JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'the content-length does not match the body', 'BAD_REQUEST'],
  MALFORMED_JSON: [400, 'the request body is not valid JSON', 'MALFORMED_JSON'],
  BAD_UTF8: [400, 'the request body is not valid UTF-8', 'BAD_UTF8'],
  FST_ERR_BAD_URL: [400, 'the URL is not valid percent-encoded UTF-8', 'BAD_URL'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'a path parameter is longer than any route accepts', 'URI_TOO_LONG'],
};

/** Printable ASCII only and bounded: schema messages name fields and patterns, never input, but stay safe. */
function clean(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

export function problemFor(error: FrameworkError): [number, string, string] {
  if (error.validation !== undefined) return [400, clean(error.message), 'INVALID_REQUEST'];
  const known = error.code === undefined ? undefined : KNOWN[error.code];
  if (known !== undefined) return known;
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return [status, 'the request was refused', 'BAD_REQUEST'];
  return [500, 'internal error', 'INTERNAL'];
}

/** A route pattern as a regular expression over the raw path, to tell 405 from 404. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment === '*'
          ? '.*'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Makes every error the server returns application/problem+json: handler errors, schema
 * refusals, unknown routes (404) and methods (405), malformed URLs and over-long parameters
 * (`frameworkErrors`, wired by the caller), and errors the HTTP parser raises before a request
 * exists (timeouts, oversized headers).
 */
export function installProblemHandling(
  app: FastifyInstance,
  onRejected: (reason: string) => void,
  /** Answers GET requests outside the API that match no route (the web portal), if given. */
  fallback?: {
    readonly owns: (path: string) => boolean;
    readonly handle: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  },
): void {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: routePattern(route.url), methods: methods.map(String) });
  });
  app.setErrorHandler((error: FrameworkError, _request, reply) => {
    const [status, detail, code] = problemFor(error);
    onRejected(code === 'INVALID_REQUEST' ? 'validation' : status >= 500 ? 'internal' : 'bad-request');
    return sendProblem(reply, status, detail, code);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (
      fallback !== undefined &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      fallback.owns(path)
    )
      return fallback.handle(request, reply);
    const allowed = new Set<string>();
    for (const route of routes) if (route.pattern.test(path)) for (const m of route.methods) allowed.add(m);
    if (allowed.size > 0) {
      onRejected('method');
      reply.header('allow', [...allowed].sort().join(', '));
      return sendProblem(reply, 405, 'this route does not accept that method', 'METHOD_NOT_ALLOWED');
    }
    onRejected('no-route');
    return sendProblem(reply, 404, 'no such route', 'NO_ROUTE');
  });
}

/** Fastify's `frameworkErrors` option: URL decoding and parameter length refusals. */
export function frameworkErrorProblem(error: FrameworkError, _request: FastifyRequest, reply: FastifyReply) {
  const [status, detail, code] = problemFor(error);
  return sendProblem(reply, status, detail, code);
}

/** Fastify's `clientErrorHandler` option: the HTTP parser's refusals and request timeouts. */
export function clientErrorProblem(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail, code] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time', 'REQUEST_TIMEOUT']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large', 'HEADERS_TOO_LARGE']
        : [400, 'the request is not valid HTTP', 'BAD_REQUEST'];
  if (socket.writable) socket.end(rawProblem(status, detail, code), () => socket.destroy());
  else socket.destroy();
}
