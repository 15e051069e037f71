import type { FastifyReply } from 'fastify';

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
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
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
