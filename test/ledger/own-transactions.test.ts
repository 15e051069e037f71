import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { NONCE_WINDOW, readNonceWindow, useNonce } from '../../src/ledger/nonces.js';
import { LOST_NONCE_MS, OwnTransactions } from '../../src/ledger/own-transactions.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { decodeTransaction } from '../../src/ledger/transaction.js';
import { AdmissionError } from '../../src/validator/errors.js';

class MapState implements KeyValueState {
  private readonly map = new Map<string, Uint8Array>();
  get(key: Uint8Array) {
    return this.map.get(toHex(key));
  }
  set(key: Uint8Array, value: Uint8Array) {
    this.map.set(toHex(key), value);
  }
  delete(key: Uint8Array) {
    this.map.delete(toHex(key));
  }
}

function setup(held: ReadonlySet<bigint> = new Set()) {
  const state = new MapState();
  let now = 0;
  const sent: bigint[] = [];
  const own = new OwnTransactions({
    seed: sha256(new TextEncoder().encode('own transactions')),
    chainId: 'own',
    shardId: 0,
    state: () => state,
    submit: (bytes) => {
      const { nonce } = decodeTransaction(bytes, ed25519Scheme);
      // The pool still holds a transaction of these nonces, as a mempool does until its expiry.
      if (held.has(nonce))
        throw new AdmissionError('DUPLICATE_TRANSACTION', `nonce ${nonce} is already pending`, {});
      sent.push(nonce);
    },
    now: () => now,
  });
  /** The chain orders the transaction of `nonce`. */
  const land = (nonce: bigint) =>
    useNonce(state, own.signer.publicKey, readNonceWindow(state, own.signer.publicKey), nonce);
  return { own, sent, land, state, advance: (ms: number) => (now += ms) };
}

describe('a node’s own transactions', () => {
  it('never hands in one nonce twice while the first may still land', () => {
    const { own, sent, land } = setup();
    for (let i = 0; i < 3; i++) own.submit('t', new Uint8Array([i]));
    assert.deepEqual(sent, [0n, 1n, 2n]);
    land(1n);
    own.submit('t', new Uint8Array([3]));
    assert.equal(sent[3], 3n, 'nonce 0 is in flight, 1 used, 2 in flight');
  });

  it('uses the nonce of one that never landed again, so lost transactions leave no gap', () => {
    const { own, sent, land, advance } = setup();
    own.submit('t', new Uint8Array([0]));
    own.submit('t', new Uint8Array([1]));
    land(1n);
    advance(LOST_NONCE_MS - 1);
    own.submit('t', new Uint8Array([2]));
    assert.equal(sent[2], 2n);
    advance(1);
    own.submit('t', new Uint8Array([3]));
    assert.equal(sent[3], 0n, 'nonce 0 was lost: used again');
  });

  it('stays inside the window however many transactions are lost', () => {
    const { own, sent, land, advance, state } = setup();
    // Every other transaction is lost, three windows' worth: the nonces of the lost ones must be
    // used again, or the key's nonces run past the window and every later one is refused.
    for (let i = 0; i < 3 * NONCE_WINDOW; i++) {
      own.submit('t', new Uint8Array([i & 0xff]));
      const nonce = sent.at(-1)!;
      const { base } = readNonceWindow(state, own.signer.publicKey);
      assert.ok(
        nonce >= base && nonce < base + BigInt(NONCE_WINDOW),
        `nonce ${nonce} outside the window from ${base}`,
      );
      if (i % 2 === 0) land(nonce);
      advance(LOST_NONCE_MS / 4);
    }
    const { base } = readNonceWindow(state, own.signer.publicKey);
    assert.ok(base >= BigInt(NONCE_WINDOW), `the lowest unused nonce moved on to ${base}`);
  });

  it('moves past a nonce the pool still holds after the lost-nonce time, instead of failing on it', () => {
    const held = new Set<bigint>();
    const { own, sent, advance } = setup(held);
    own.submit('t', new Uint8Array([0]));
    own.submit('t', new Uint8Array([1]));
    // Neither landed; the pool keeps nonce 0's transaction past the lost-nonce time.
    held.add(0n);
    advance(LOST_NONCE_MS);
    own.submit('t', new Uint8Array([2]));
    assert.deepEqual(sent, [0n, 1n, 1n], 'nonce 0 is held: the next free one, 1, is used again');
    own.submit('t', new Uint8Array([3]));
    assert.equal(sent[3], 2n, 'and 0 stays in flight for another lost-nonce time');
  });

  it('gives up with the pool’s refusal when every nonce it tries is held', () => {
    const held = new Set(Array.from({ length: NONCE_WINDOW }, (_, i) => BigInt(i)));
    const { own, sent } = setup(held);
    assert.throws(
      () => own.submit('t', new Uint8Array([0])),
      (error: unknown) => error instanceof AdmissionError && error.code === 'DUPLICATE_TRANSACTION',
    );
    assert.deepEqual(sent, []);
  });
});
