import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/writer.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import type { Application } from '../../src/ledger/application.js';
import { executeBlock, nonceStateKey, readNonce } from '../../src/ledger/executor.js';
import { signedTransactionOf } from '../../src/ledger/signed-transaction.js';
import { SparseMerkleTree } from '../../src/ledger/sparse-merkle.js';
import { signTransaction } from '../../src/ledger/transaction.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('nonce windows within a block', () => {
  it('follow the state when something else rewrites a window mid-block', () => {
    // A contract that moves its sender's window to 100 (nothing real does this; it stands for any
    // write to the key that the executor did not make itself).
    const jumping: Application = {
      types: ['jump'],
      execute(state, tx) {
        state.set(
          nonceStateKey(tx.sender),
          new Writer(40).u64Big(100n).fixedBytes(new Uint8Array(32), 32).finish(),
        );
      },
    };
    const dave = ed25519Scheme.signer(sha256(enc('dave')));
    const tx = (nonce: bigint) =>
      signedTransactionOf(
        signTransaction(dave, {
          chainId: 'test',
          shardId: 0,
          type: 'jump',
          payload: new Uint8Array(0),
          nonce,
        }),
        ed25519Scheme,
      );
    const state = new SparseMerkleTree(sha256);
    const execution = executeBlock(state, {
      scheme: ed25519Scheme,
      application: jumping,
      chainId: 'test',
      shardId: 0,
      height: 1,
      timestampMs: 1000,
      randomness: new Uint8Array(32),
      transactions: [tx(0n), tx(1n), tx(100n), tx(100n), tx(101n)],
      verifySignatures: true,
    });
    // Each transaction's nonce is checked against the window the contract left, not the one the
    // executor wrote before it: 1 is below 100; 100 is accepted twice, since the contract resets
    // the window to 100 after each use (a window the executor remembered would refuse the second).
    assert.deepEqual(
      execution.receipts.map((r) => r.code),
      ['', 'BAD_NONCE', '', '', ''],
    );
    assert.equal(readNonce(state, dave.publicKey), 100n);
  });
});
