import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

function gridshard(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
}

const base = [
  'node',
  'follow',
  '--genesis',
  'genesis.json',
  '--data',
  'follower',
  '--from',
  'http://127.0.0.1:1',
];

describe('node follow options', () => {
  it('refuses a root check without the root genesis, or beside --watch, before reading anything', () => {
    const alone = gridshard(...base, '--root-api', 'http://127.0.0.1:2');
    assert.notEqual(alone.status, 0);
    assert.match(alone.stderr, /--root-api and --root-genesis go together/);
    const watching = gridshard(
      ...base,
      '--root-api',
      'http://127.0.0.1:2',
      '--root-genesis',
      'root.json',
      '--watch',
    );
    assert.notEqual(watching.status, 0);
    assert.match(watching.stderr, /does not combine with --watch/);
  });
});
