import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import {
  DKG_OPEN,
  DkgPhase,
  dkgOutcome,
  encodeOpen,
  readDkgSession,
} from '../../src/roles/dkg-application.js';
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
    const operator = ed25519Scheme.signer(sha256(text.encode('dkg operator')));
    const open = signTransaction(operator, {
      chainId: 'dkg-net',
      shardId: 0,
      type: DKG_OPEN,
      payload: encodeOpen({ dealMs: 3000, complainMs: 2000, justifyMs: 2000 }),
      nonce: 0n,
    });
    await client.submit(encodeTransaction(open));
    let id: Uint8Array | undefined;
    let closed = false;
    const deadline = Date.now() + 60_000;
    while (!closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const current = await client.state(hexKey('roles/dkg/current'));
      if (current.value === null) continue;
      id = fromHex(current.value);
      const state = await sessionState(client, id, 4);
      closed = readDkgSession(state, id)?.phase === DkgPhase.closed;
    }
    assert.ok(id !== undefined && closed, 'the session opened and closed by block time on its own');
    const outcome = dkgOutcome(await sessionState(client, id, 4), id);
    assert.deepEqual(outcome.qualified, [0, 1, 2, 3], 'every validator dealt');
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
