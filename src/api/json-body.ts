import type { FastifyInstance } from 'fastify';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bodyError(code: 'MALFORMED_JSON' | 'BAD_UTF8', message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400, code });
}

/**
 * JSON bodies decoded strictly: RFC 8259 JSON is UTF-8, and a body with invalid bytes is refused
 * rather than read with replacement characters (which would let two different byte strings
 * mean the same request). The route's body limit still applies before anything is decoded.
 */
export function installStrictJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(bodyError('BAD_UTF8', 'body is not UTF-8'), undefined);
    }
    if (text.trim().length === 0) return done(bodyError('MALFORMED_JSON', 'empty body'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(bodyError('MALFORMED_JSON', 'body is not JSON'), undefined);
    }
  });
}
