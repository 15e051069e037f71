import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { isApiPath, portalFallback } from '../../src/api/portal.js';
import { installProblemHandling } from '../../src/api/problem.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-portal-'));
const built = join(root, 'web');
mkdirSync(join(built, 'assets'), { recursive: true });
writeFileSync(join(built, 'index.html'), '<!doctype html><title>portal</title>');
writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
writeFileSync(join(built, 'assets', 'index-abc123.css'), 'body{}');
writeFileSync(join(root, 'secret.txt'), 'outside the build');

async function serve(portalRoot: string) {
  // Wired as the server wires it: the portal answers what no API route matches.
  const app = Fastify();
  installProblemHandling(app, () => undefined, {
    owns: (path) => !isApiPath(path),
    handle: portalFallback({ root: portalRoot }),
  });
  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  return app;
}

describe('portal file server', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves built files with their types, caches hashed assets, and falls back to the page', async () => {
    const app = await serve(built);
    const page = await app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const script = await app.inject('/assets/index-abc123.js');
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);
    assert.match(script.headers['cache-control'] as string, /max-age=31536000, immutable/);
    assert.match(
      (await app.inject('/assets/index-abc123.css')).headers['content-type'] as string,
      /^text\/css/,
    );
    for (const route of ['/blocks/12', '/tx/ab', '/keys', '/market?cycle=c1']) {
      const answer = await app.inject(route);
      assert.equal(answer.statusCode, 200, route);
      assert.equal(answer.body, '<!doctype html><title>portal</title>', route);
    }
    assert.equal((await app.inject('/api/v1/health')).json().status, 'ok', 'API routes are unchanged');
    await app.close();
  });

  it('answers unknown API paths and missing files with problems, and never leaves the build folder', async () => {
    const app = await serve(built);
    for (const route of ['/api/v1/nothing', '/api/v2', '/metrics/x', '/assets/missing.js']) {
      const answer = await app.inject(route);
      assert.equal(answer.statusCode, 404, route);
      assert.match(answer.headers['content-type'] as string, /^application\/problem\+json/, route);
    }
    for (const route of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
    ]) {
      const answer = await app.inject(route);
      assert.ok(!answer.body.includes('outside the build'), route);
    }
    assert.equal((await app.inject('/%E0%A4%A')).statusCode, 400);
    assert.equal((await app.inject('/a%00b')).statusCode, 400);
    assert.equal((await app.inject('/a%5c..%5csecret.txt')).statusCode, 400);
    await app.close();
  });

  it('explains how to build the portal when it is absent', async () => {
    const app = await serve(join(root, 'not-built'));
    const answer = await app.inject('/');
    assert.equal(answer.statusCode, 503);
    assert.match(answer.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(answer.json().code, 'PORTAL_NOT_BUILT');
    assert.match(answer.json().detail, /npm run build:web/);
    await app.close();
  });
});
