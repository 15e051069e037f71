import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/**
 * Serves the web portal (web/, built into dist/web) on the API's own origin, so the portal reads
 * the API without cross-origin rules. Built files are answered with their content type; hashed
 * assets are cached for a year; any other GET that names no file and no API route gets index.html,
 * where the portal's router takes over. Paths are resolved inside the build folder only.
 */
export interface PortalOptions {
  /** The built portal; by default dist/web of this package. */
  readonly root?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Paths that belong to the API; an unknown one is a 404 problem, never the portal's page. */
const API_PREFIXES = ['/api/', '/docs', '/openapi.json', '/metrics'];
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';

/** dist/web, from src/api (run through tsx) or from dist/src/api (compiled). */
export function defaultPortalRoot(): string {
  const up = fileURLToPath(new URL('../../', import.meta.url));
  return basename(resolve(up)) === 'dist' ? join(up, 'web') : join(up, 'dist', 'web');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sendFile(reply: FastifyReply, path: string, cacheControl: string): FastifyReply {
  return reply
    .type(CONTENT_TYPES[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(path));
}

/** Paths of the API itself: never answered with the portal's page. */
export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix));
}

/**
 * The portal as the API's fallback for GET requests that match no route, so the portal never
 * shadows the API's own answers (unknown routes, over-long parameters, wrong methods).
 */
export function portalFallback(
  options: PortalOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const root = resolve(options.root ?? defaultPortalRoot());
  const index = join(root, 'index.html');

  return async (request, reply) => {
    const rawPath = request.url.split('?')[0] ?? '/';
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return sendProblem(reply, 400, 'the path is not valid percent-encoding', 'INVALID_REQUEST');
    }
    if (decoded.includes('\0') || decoded.includes('\\'))
      return sendProblem(reply, 400, 'the path holds a forbidden character', 'INVALID_REQUEST');

    if (!(await isFile(index))) {
      return sendProblem(
        reply,
        503,
        `the web portal is not built (no ${index}); run \`npm run build:web\` (npm ci builds it too)`,
        'PORTAL_NOT_BUILT',
      );
    }

    // normalize() folds every `..` against the leading slash, and the prefix check guards the rest.
    const relative = posix.normalize(decoded).replace(/^\/+/, '');
    const file = resolve(root, relative);
    if (file !== root && !file.startsWith(root + sep))
      return sendProblem(reply, 404, 'no such file', 'NOT_FOUND');

    if (relative !== '' && (await isFile(file))) {
      const hashed = relative.startsWith('assets/');
      return sendFile(reply, file, hashed ? HASHED_ASSET_CACHE : 'no-cache');
    }
    // A missing file is a 404; a path without an extension is a page of the portal's router.
    if (extname(relative) !== '') return sendProblem(reply, 404, 'no such file', 'NOT_FOUND');
    return sendFile(reply, index, 'no-cache');
  };
}
