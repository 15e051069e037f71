import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { headFields, stateAnswer } from '../../src/api/committed-reads.js';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeKvPut, KV_PUT, keyValueApplication, kvStateKey } from '../../src/ledger/application.js';
import { verifyStateProof } from '../../src/ledger/sparse-merkle.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { signTransaction } from '../../src/ledger/transaction.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-reads-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const params = { chainId: 'test', shardId: 0, scheme: 'ed25519-sha256' as const, genesisTimeMs: 1000 };

type Status = ReturnType<typeof headFields>;
type StateJson = ReturnType<typeof stateAnswer>;

/** Checks an answer against the block it names, as a client holding only headers would. */
async function assertOneBlock(store: LedgerStore, status: Status, state: StateJson): Promise<void> {
  const block = await store.readBlock(status.height);
  assert.ok(block, `status names height ${status.height}, which is not stored`);
  assert.equal(status.headHash, toHex(block.hash), `hash of height ${status.height}`);
  assert.equal(status.stateRoot, toHex(block.header.stateRoot), `state root of height ${status.height}`);
  assert.equal(status.timestampMs, block.header.timestampMs);
  const proven = await store.readBlock(state.height);
  assert.ok(proven);
  assert.equal(state.stateRoot, toHex(proven.header.stateRoot), `proof root of height ${state.height}`);
  const t = state.proof.terminal;
  const proof = {
    siblings: state.proof.siblings.map(fromHex),
    terminal:
      t.kind === 'empty'
        ? ({ kind: 'empty' } as const)
        : ({ kind: 'leaf', path: fromHex(t.path!), valueHash: fromHex(t.valueHash!) } as const),
  };
  const value = state.value === null ? undefined : fromHex(state.value);
  assert.ok(
    verifyStateProof(sha256, proven.header.stateRoot, fromHex(state.key), value, proof),
    `proof of ${state.key} against the root of height ${state.height}`,
  );
}

describe('status and state reads', () => {
  it('answer from one committed block while the next is executed and written', async () => {
    const store = await LedgerStore.create(join(root, 'interleaved'), params, keyValueApplication);
    const alice = ed25519Scheme.signer(sha256(enc('alice')));
    const put = (nonce: bigint) =>
      signTransaction(alice, {
        chainId: 'test',
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(enc(`meter-${nonce % 3n}`), enc(`reading ${nonce}`)),
        nonce,
      });
    const keys = [0, 1, 2, 3].map((i) => toHex(kvStateKey(alice.publicKey, enc(`meter-${i}`))));
    const read = () => {
      const status = headFields(store.committed);
      return keys.map((key) => ({ status, state: stateAnswer(store.committed, key) }));
    };
    const answers: { status: Status; state: StateJson }[] = [];
    for (let nonce = 0n; nonce < 6n; nonce++) {
      let reached!: () => void;
      const atWrite = new Promise<void>((resolve) => {
        reached = resolve;
      });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      answers.push(...read());
      const appending = store.append([put(nonce)], {
        timestampMs: 2000 + Number(nonce),
        beforeWrite: async () => {
          reached();
          await gate;
        },
      });
      await atWrite;
      // The block is executed and its state root known, but it is not on disk: reads in this
      // window are where a head could meet the state of the block being written.
      const paused = read();
      for (const answer of paused) assert.equal(answer.status.height, Number(nonce));
      answers.push(...paused);
      release();
      await appending;
      answers.push(...read());
    }
    for (const { status, state } of answers) await assertOneBlock(store, status, state);
    assert.equal(answers.at(-1)!.status.height, 6);
    await store.close();
  });
});
