import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/crypto/hash.js';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { dkgOutcome } from '../../src/roles/dkg-outcome.js';
import { DkgPhase, readDkgSession } from '../../src/roles/dkg-records.js';
import type { GridShardClient } from '../../src/sdk/client.js';

// Ports from the process id, apart from the other process tests' ranges.
const p2pBase = 8_000 + (process.pid % 50) * 10;
const apiBase = p2pBase + 2_500;

let network: TestNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails());
  network?.remove();
});

const text = new TextEncoder();
const hexKey = (key: string) => toHex(text.encode(key));

/**
 * The session's keys read through a validator's API into a map, so the contract's own readers
 * (which take a synchronous state) can decide the outcome as any node would.
 */
async function sessionState(client: GridShardClient, id: Uint8Array, size: number) {
  const keys = [`roles/dkg/${toHex(id)}`];
  for (let d = 0; d < size; d++) {
    keys.push(`roles/dkg/${toHex(id)}/deal/${d}`);
    for (let m = 0; m < size; m++)
      keys.push(`roles/dkg/${toHex(id)}/complaint/${d}/${m}`, `roles/dkg/${toHex(id)}/justify/${d}/${m}`);
  }
  const values = new Map<string, Uint8Array>();
  for (const key of keys) {
    const { value } = await client.state(hexKey(key));
    if (value !== null) values.set(hexKey(key), fromHex(value));
  }
  return { get: (key: Uint8Array) => values.get(toHex(key)) };
}

describe('key generation on a running committee', () => {
  it('four validator processes generate coin keys on their chain with no dealer', async () => {
    network = new TestNetwork({
      chainId: 'dkg-net',
      cli: sourceCli(),
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      logLevel: 'info',
    });
    await network.start(120_000);
    const client = network.clients[0]!;
    // A bad phase length is refused before anything is sent.
    const refused = spawnSync(process.execPath, [
      ...sourceCli(),
      'keygen',
      'open',
      '--api',
      network.apis[0]!,
      '--deal-ms',
      '5',
    ]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr.toString(), /--deal-ms/);
    // The operator opens a session and follows it; the validators do the rest by themselves.
    const status = JSON.parse(
      execFileSync(process.execPath, [
        ...sourceCli(),
        'keygen',
        'open',
        '--api',
        network.apis[0]!,
        '--deal-ms',
        '3000',
        '--complain-ms',
        '2000',
        '--justify-ms',
        '2000',
        '--wait',
        '90',
        '--json',
      ]).toString(),
    ) as { session: string; phase: string; dealt: number[]; qualified: number[] | null };
    assert.equal(status.phase, 'closed');
    assert.deepEqual(status.dealt, [0, 1, 2, 3]);
    assert.deepEqual(status.qualified, [0, 1, 2, 3], 'every validator dealt and qualified');
    const id = fromHex(status.session);
    // The same outcome, decided from the state a validator serves, as any node would.
    const state = await sessionState(client, id, 4);
    assert.equal(readDkgSession(state, id)?.phase, DkgPhase.closed);
    const outcome = dkgOutcome(state, id);
    assert.deepEqual(outcome.qualified, [0, 1, 2, 3]);
    const { keyGeneration } = await network.clients[2]!.roles();
    assert.equal(keyGeneration?.session, toHex(id));
    assert.equal(keyGeneration?.phase, 'closed');
    assert.deepEqual(keyGeneration?.qualified, [0, 1, 2, 3], 'the roles route shows the outcome');
    // Every validator summed its share and found it matches its verification key.
    for (let i = 0; i < 4; i++) {
      let line: string | undefined;
      for (let attempt = 0; attempt < 20 && line === undefined; attempt++) {
        line = readFileSync(join(network.validatorDir(i), 'node.log'), 'utf8')
          .split('\n')
          .find((l) => l.includes('key generation closed'));
        if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(line !== undefined, `validator ${i} logged the close`);
      const logged = JSON.parse(line) as { session: string; qualified: number[]; shareMatches: boolean };
      assert.equal(logged.session, toHex(id));
      assert.deepEqual(logged.qualified, [0, 1, 2, 3]);
      assert.equal(logged.shareMatches, true, `validator ${i}'s share matches the generated keys`);
    }
    passed = true;
  });
});
