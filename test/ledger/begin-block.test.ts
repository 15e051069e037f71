import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import {
  type Application,
  ApplicationRouter,
  encodeKvPut,
  KV_PUT,
  keyValueApplication,
  kvStateKey,
} from '../../src/ledger/application.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { BEGIN_BLOCK_FAILURE_KEY, executeBlock, readBeginBlockFailure } from '../../src/ledger/executor.js';
import { signedTransactionOf } from '../../src/ledger/signed-transaction.js';
import { SparseMerkleTree } from '../../src/ledger/sparse-merkle.js';
import { signTransaction } from '../../src/ledger/transaction.js';

const CHAIN = 'begin-block-chain';
const text = (value: string) => new TextEncoder().encode(value);
const HOOK_KEY = text('hook/last-height');

/** Writes the height at every block; throws (after writing) at the heights in `failAt`. */
function heightHook(failAt: ReadonlySet<number>, name = 'hook'): Application & { calls: number[] } {
  const calls: number[] = [];
  return {
    types: [`${name}.none`],
    calls,
    execute() {
      throw new LedgerError('UNKNOWN_TX_TYPE', 'no transactions', {});
    },
    beginBlock(state, context) {
      calls.push(context.height);
      state.set(text(`${name}/last-height`), text(String(context.height)));
      if (failAt.has(context.height)) {
        if (context.height % 2 === 0) throw new TypeError('a bug in the hook');
        throw new LedgerError('INVALID_PAYLOAD', 'the hook refuses', {});
      }
    },
  };
}

const signer = ed25519Scheme.signer(new Uint8Array(32).fill(7));
function put(nonce: bigint, key: string, value: string) {
  const tx = signTransaction(signer, {
    chainId: CHAIN,
    shardId: 0,
    type: KV_PUT,
    payload: encodeKvPut(text(key), text(value)),
    nonce,
  });
  return signedTransactionOf(tx, ed25519Scheme);
}

function runBlocks(application: Application, blocks = 4) {
  const state = new SparseMerkleTree(ed25519Scheme.hash);
  const executions = [];
  for (let height = 1; height <= blocks; height++) {
    executions.push(
      executeBlock(state, {
        scheme: ed25519Scheme,
        application,
        chainId: CHAIN,
        shardId: 0,
        height,
        timestampMs: 1_000 * height,
        randomness: new Uint8Array(32),
        transactions: [put(BigInt(height - 1), `k${height}`, `v${height}`)],
        verifySignatures: true,
      }),
    );
  }
  return { state, executions };
}

describe('begin-block hook', () => {
  it('runs once per block before the transactions, its writes in the state root', () => {
    const hook = heightHook(new Set());
    const router = new ApplicationRouter([keyValueApplication, hook]);
    const { state, executions } = runBlocks(router);
    assert.deepEqual(hook.calls, [1, 2, 3, 4]);
    assert.equal(new TextDecoder().decode(state.get(HOOK_KEY)), '4');
    for (const execution of executions) {
      assert.deepEqual(execution.beginBlock, { ok: true, code: '' });
      assert.ok(execution.changes.some((change) => toHex(change.key) === toHex(HOOK_KEY)));
    }
    assert.equal(state.get(BEGIN_BLOCK_FAILURE_KEY), undefined);
    // Without the hook the same blocks end in another state.
    const plain = runBlocks(keyValueApplication);
    assert.notEqual(toHex(plain.state.root()), toHex(state.root()));
    assert.equal(plain.executions[0]!.beginBlock, null);
  });

  it('a throwing hook does not stop the chain: its writes are dropped, the failure recorded', () => {
    const failAt = new Set([2, 3]);
    const hook = heightHook(failAt);
    const { state, executions } = runBlocks(new ApplicationRouter([keyValueApplication, hook]));
    assert.deepEqual(hook.calls, [1, 2, 3, 4], 'the hook runs again at the next block');
    assert.deepEqual(
      executions.map((e) => e.beginBlock),
      [
        { ok: true, code: '' },
        { ok: false, code: 'INTERNAL_ERROR' },
        { ok: false, code: 'INVALID_PAYLOAD' },
        { ok: true, code: '' },
      ],
    );
    for (const execution of executions) assert.deepEqual(execution.receipts, [{ ok: true, code: '' }]);
    for (let height = 1; height <= 4; height++) {
      assert.equal(
        new TextDecoder().decode(state.get(kvStateKey(signer.publicKey, text(`k${height}`)))),
        `v${height}`,
      );
    }
    // Block 2's and 3's hook writes were dropped: block 3 leaves block 1's value in place.
    const third = executions[2]!.changes.find((c) => toHex(c.key) === toHex(HOOK_KEY));
    assert.equal(third, undefined);
    assert.deepEqual(readBeginBlockFailure(state), { height: 3, code: 'INVALID_PAYLOAD', failures: 2 });
    // Two independent executions agree on every root.
    const again = runBlocks(new ApplicationRouter([keyValueApplication, heightHook(failAt)]));
    assert.deepEqual(
      again.executions.map((e) => toHex(e.stateRoot)),
      executions.map((e) => toHex(e.stateRoot)),
    );
  });

  it('the router calls every routed hook in the order given, and shares their fate', () => {
    const first = heightHook(new Set(), 'first');
    const second = heightHook(new Set([3]), 'second');
    const router = new ApplicationRouter([first, keyValueApplication, second]);
    const { state, executions } = runBlocks(router);
    assert.deepEqual(first.calls, [1, 2, 3, 4]);
    const firstKey = toHex(text('first/last-height'));
    assert.equal(
      executions[2]!.changes.some((c) => toHex(c.key) === firstKey),
      false,
      'one hook throwing drops the writes of the others for that block',
    );
    assert.deepEqual(second.calls, [1, 2, 3, 4]);
    assert.equal(new TextDecoder().decode(state.get(text('first/last-height'))), '4');
    assert.deepEqual(readBeginBlockFailure(state), { height: 3, code: 'INVALID_PAYLOAD', failures: 1 });
  });
});
