import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layer table of docs/ARCHITECTURE.md is the rule: each row names a folder of src/ and the
 * folders its files may import from. This test reads the table and every relative import under
 * src/, so the document and the code cannot drift apart.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

/** `src/x` or `src/x.ts` → the layer name `x`. */
function layerOf(pathFromRoot: string): string {
  const parts = pathFromRoot.split('/');
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.(ts|js)$/, '');
}

function readTable(): Map<string, Set<string> | 'everything'> {
  const table = new Map<string, Set<string> | 'everything'>();
  const text = readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8');
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const folder = cells[2]?.match(/^`(src\/[a-z-]+(?:\.ts)?)`$/)?.[1];
    if (folder === undefined) continue;
    const allowed = cells[4] ?? '';
    table.set(
      layerOf(folder),
      allowed === 'everything'
        ? 'everything'
        : new Set(allowed === '—' ? [] : allowed.split(',').map((s) => s.trim())),
    );
  }
  return table;
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

describe('layers', () => {
  const table = readTable();

  it('the table names every folder of src/', () => {
    const layers = new Set(sourceFiles(join(root, 'src')).map((f) => layerOf(relative(root, f))));
    for (const layer of layers)
      assert.ok(table.has(layer), `src/${layer} has no row in docs/ARCHITECTURE.md`);
  });

  it('no file imports from a folder its row does not list', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, 'src'))) {
      const from = relative(root, file);
      const layer = layerOf(from);
      const allowed = table.get(layer);
      if (allowed === 'everything') continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = layerOf(relative(root, normalize(join(dirname(file), match[1]!))));
        if (target !== layer && !allowed?.has(target))
          violations.push(`${from} imports ${match[1]} (${target})`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
