import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CommittedBatch,
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
} from '../../src/consensus/interface.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type Application, encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import { type ChainState, genesisChain } from '../../src/ledger/chain-state.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { MAX_CARRIED_BATCHES } from '../../src/validator/block-cut.js';
import { EntryReader } from '../../src/validator/entries.js';
import { decodeBlockEvidence } from '../../src/validator/evidence.js';
import { timeMarker } from '../../src/validator/time-marker.js';
import type { ValidatorEffect } from '../../src/validator/types.js';
import { DUE_TIMER, Validator } from '../../src/validator/validator.js';

const enc = (s: string) => new TextEncoder().encode(s);
const alice = ed25519Scheme.signer(sha256(enc('alice')));

function put(nonce: bigint, value: string): Uint8Array {
  return encodeTransaction(
    signTransaction(alice, {
      chainId: 'unit',
      shardId: 0,
      type: KV_PUT,
      payload: encodeKvPut(enc('meter'), enc(value)),
      nonce,
    }),
  );
}

function chain(): ChainState {
  return genesisChain(
    { chainId: 'unit', shardId: 0, scheme: 'ed25519-sha256', genesisTimeMs: 1000 },
    keyValueApplication,
  );
}

/** A core that answers each input with the effects the test queued for it. */
class ScriptedCore implements ConsensusCore<string> {
  readonly index = 0;
  readonly inputs: ConsensusInput<string>[] = [];
  next: ConsensusEffect<string>[] = [];
  constructor(readonly acceptsEntry: (entry: Uint8Array) => boolean) {}
  handle(input: ConsensusInput<string>): ConsensusEffect<string>[] {
    this.inputs.push(input);
    const out = this.next;
    this.next = [];
    return out;
  }
  snapshot(): Uint8Array {
    return enc(`snapshot after ${this.inputs.length} inputs`);
  }
}

function validatorOn(state: ChainState): { validator: Validator<string>; core: () => ScriptedCore } {
  let core: ScriptedCore | null = null;
  const validator = new Validator<string>({
    chain: state,
    createCore: (acceptsEntry) => {
      core = new ScriptedCore(acceptsEntry);
      return core;
    },
  });
  return { validator, core: () => core! };
}

function batch(sequence: number, transactions: Uint8Array[], endsCommit = true): CommittedBatch {
  return {
    sequence,
    round: sequence + 1,
    proposer: 0,
    transactions,
    randomness: new Uint8Array(32).fill(sequence),
    evidence: enc(`vertex ${sequence}`),
    proof: enc(`certificate ${sequence}`),
    endsCommit,
  };
}

const kinds = (effects: readonly ValidatorEffect<string>[]) => effects.map((e) => e.kind);

describe('validator', () => {
  it('holds every message and timer behind signed records until they are durable, in order', () => {
    const { validator, core } = validatorOn(chain());
    core().next = [
      { kind: 'persist-signed', record: enc('my vote') },
      { kind: 'broadcast', message: 'vote' },
      { kind: 'timer', name: 'round', atMs: 50 },
    ];
    assert.deepEqual(validator.handle({ kind: 'start' }, 0), [
      { kind: 'persist-signed', records: [enc('my vote')], ticket: 1 },
    ]);
    // A later list with nothing to persist still waits behind the first, keeping the core's order.
    core().next = [{ kind: 'send', to: 2, message: 'reply' }];
    assert.deepEqual(validator.handle({ kind: 'message', from: 2, message: 'ask' }, 1), []);
    assert.equal(validator.snapshot(), null, 'no snapshot while messages are held');
    assert.deepEqual(validator.handle({ kind: 'signed-durable', ticket: 1 }, 2), [
      { kind: 'broadcast', message: 'vote' },
      { kind: 'timer', name: 'round', atMs: 50 },
      { kind: 'send', to: 2, message: 'reply' },
    ]);
    assert.notEqual(validator.snapshot(), null);
  });

  it('executes a decision into one block, snapshots only once it is durable, and never executes it twice', () => {
    const state = chain();
    const { validator, core } = validatorOn(state);
    const admitted = validator.admit(put(0n, 'one'), 10);
    validator.handle({ kind: 'propose', transactions: [admitted] }, 1500);
    const proposal = core().inputs.at(-1);
    assert.ok(proposal?.kind === 'transactions');
    assert.equal(proposal.transactions.length, 2, 'a time marker leads the proposal');
    core().next = [{ kind: 'commit', batch: batch(0, [...proposal.transactions]) }];
    const effects = validator.handle({ kind: 'timer', name: 'round' }, 1600);
    assert.deepEqual(kinds(effects), ['ordered', 'write-block']);
    const written = effects[1]!;
    assert.ok(written.kind === 'write-block');
    assert.equal(written.block.header.height, 1);
    assert.equal(written.block.header.timestampMs, 1500, 'block time from the marker');
    assert.deepEqual(written.block.receipts, [{ ok: true, code: '' }]);
    assert.equal(validator.snapshot(), null, 'the block is not durable yet');
    assert.equal(validator.committed.height, 0, 'readers still see genesis');
    // Until readers can find it in a block, the transaction is still pending: an empty mempool
    // never hides a transaction that no reader can see yet, and its resubmission is a duplicate.
    assert.equal(validator.mempool.size, 1, 'executed but not durable: still pending');
    assert.throws(() => validator.admit(put(0n, 'one'), 1650), { code: 'DUPLICATE_TRANSACTION' });
    validator.handle({ kind: 'block-durable', height: 1 }, 1700);
    assert.notEqual(validator.snapshot(), null);
    assert.equal(validator.committed.height, 1);
    assert.equal(validator.mempool.size, 0, 'the durable transaction left the mempool');
    assert.throws(() => validator.admit(put(0n, 'one'), 1750), { code: 'STALE_NONCE' });
    // A restarted core delivers the decision again: it is recognised by its sequence.
    const again = validatorOn(state);
    assert.equal(again.validator.lastExecutedSequence, 0);
    again.core().next = [{ kind: 'commit', batch: batch(0, [...proposal.transactions]) }];
    assert.deepEqual(kinds(again.validator.handle({ kind: 'start' }, 1800)), ['ordered']);
  });

  it('waits for the end of a decision, and skips entries it cannot read the same way everywhere', () => {
    const { validator, core } = validatorOn(chain());
    const garbage = enc('not a transaction');
    assert.equal(core().acceptsEntry(garbage), false, 'no vote for a header carrying it');
    assert.equal(core().acceptsEntry(put(0n, 'x')), true);
    core().next = [{ kind: 'commit', batch: batch(0, [timeMarker(2000), put(0n, 'a')], false) }];
    assert.deepEqual(kinds(validator.handle({ kind: 'start' }, 0)), ['ordered']);
    assert.equal(validator.snapshot(), null, 'a delivered batch is not in a block yet');
    core().next = [{ kind: 'commit', batch: batch(1, [garbage, put(1n, 'b'), put(0n, 'a again')]) }];
    const effects = validator.handle({ kind: 'timer', name: 'round' }, 0);
    const written = effects.find((e) => e.kind === 'write-block');
    assert.ok(written?.kind === 'write-block');
    assert.equal(written.skippedEntries, 1);
    assert.equal(written.block.header.txCount, 3, 'one block for the whole decision');
    assert.deepEqual(
      written.block.receipts.map((r) => r.ok),
      [true, true, false],
      'a second transaction on a used nonce is refused, not executed',
    );
  });

  it('reads an entry once, and trusts a signature only for the bytes it admitted itself', () => {
    const reader = new EntryReader(ed25519Scheme);
    const bytes = put(3n, 'c');
    const copy = new Uint8Array(bytes); // the same transaction as a peer's header carries it
    const admittedHere = { ...reader.entry(bytes), signatureChecked: true };
    assert.ok(admittedHere.kind === 'transaction');
    reader.remember({ ...admittedHere.signed, signatureChecked: true });
    const mine = reader.entry(bytes);
    const theirs = reader.entry(copy);
    assert.ok(mine.kind === 'transaction' && theirs.kind === 'transaction');
    assert.equal(mine.signed.signatureChecked, true);
    assert.equal(theirs.signed.signatureChecked, false, 'a peer copy is verified at execution');
    assert.equal(reader.entry(copy), theirs, 'read once');
  });

  it('brings time to the chain when application work falls due, and cuts an empty block only then', () => {
    const ran = enc('deadline ran');
    const deadlines: Application = {
      types: [],
      execute: () => {
        throw new Error('no transactions in this chain');
      },
      beginBlock: (state, context) => {
        if (context.timestampMs >= 5000) state.set(ran, enc(String(context.timestampMs)));
      },
      nextDueMs: (state) => (state.get(ran) === undefined ? 5000 : null),
    };
    const state = genesisChain(
      { chainId: 'unit', shardId: 0, scheme: 'ed25519-sha256', genesisTimeMs: 1000 },
      deadlines,
    );
    const { validator, core } = validatorOn(state);
    assert.deepEqual(validator.handle({ kind: 'start' }, 1000), [
      { kind: 'timer', name: DUE_TIMER, atMs: 5000 },
    ]);
    // Ordered markers short of the due time make no block.
    core().next = [{ kind: 'commit', batch: batch(0, [timeMarker(4000)]) }];
    assert.deepEqual(kinds(validator.handle({ kind: 'message', from: 1, message: 'x' }, 4000)), ['ordered']);
    // Due: the validator proposes its clock alone, and keeps doing so while the work is due.
    const fired = validator.handle({ kind: 'timer', name: DUE_TIMER }, 5000);
    const proposal = core().inputs.at(-1);
    assert.ok(proposal?.kind === 'transactions');
    assert.deepEqual(proposal.transactions, [timeMarker(5000)]);
    assert.deepEqual(fired.at(-1), { kind: 'timer', name: DUE_TIMER, atMs: 6000 });
    core().next = [{ kind: 'commit', batch: batch(1, [timeMarker(5000)]) }];
    const effects = validator.handle({ kind: 'message', from: 1, message: 'y' }, 5100);
    const written = effects.find((e) => e.kind === 'write-block');
    assert.ok(written?.kind === 'write-block', 'a block without transactions, because work was due');
    assert.equal(written.block.header.txCount, 0);
    assert.equal(written.block.header.timestampMs, 5000);
    assert.deepEqual(written.block.view.getState(ran), enc('5000'));
    assert.deepEqual(
      decodeBlockEvidence(written.block.header.evidence).batches.map((b) => b.sequence),
      [0, 1],
      'the markers-only decision before it rides in its evidence',
    );
    // Done: the retry finds nothing due and proposes nothing.
    const before = core().inputs.length;
    assert.deepEqual(validator.handle({ kind: 'timer', name: DUE_TIMER }, 6000), []);
    assert.equal(core().inputs.length, before);
  });

  it('records every ordered batch: decisions without a transaction ride in the next block, or make one when too many wait', () => {
    const state = chain();
    const { validator, core } = validatorOn(state);
    let now = 2000;
    const deliver = (b: CommittedBatch) => {
      core().next = [{ kind: 'commit', batch: b }];
      return validator.handle({ kind: 'message', from: 1, message: 'x' }, now++);
    };
    // Two empty decisions: no block, and no snapshot while they wait.
    assert.deepEqual(kinds(deliver(batch(0, []))), ['ordered']);
    assert.deepEqual(kinds(deliver(batch(1, [timeMarker(1500)]))), ['ordered']);
    assert.equal(validator.snapshot(), null, 'carried batches hold the snapshot back');
    assert.equal(validator.lastExecutedSequence, -1);
    // A decision with a transaction: one block whose evidence holds all three.
    const admitted = validator.admit(put(0n, 'one'), now);
    const withTx = deliver(batch(2, [admitted.bytes]));
    const written = withTx.find((e) => e.kind === 'write-block');
    assert.ok(written?.kind === 'write-block');
    assert.equal(written.block.header.txCount, 1);
    assert.equal(written.block.header.timestampMs, 1500, 'time from the carried marker');
    assert.deepEqual(
      decodeBlockEvidence(written.block.header.evidence).batches.map((b) => b.sequence),
      [0, 1, 2],
    );
    validator.handle({ kind: 'block-durable', height: 1 }, now++);
    assert.notEqual(validator.snapshot(), null);
    // An idle chain: after MAX_CARRIED_BATCHES empty decisions, a block of certificates alone.
    const blocks: number[] = [];
    for (let s = 3; s < 3 + MAX_CARRIED_BATCHES; s++) {
      for (const e of deliver(batch(s, []))) if (e.kind === 'write-block') blocks.push(s);
    }
    assert.deepEqual(blocks, [2 + MAX_CARRIED_BATCHES], 'the 64th waiting batch forces the block');
    assert.equal(validator.lastExecutedSequence, 2 + MAX_CARRIED_BATCHES);
    // A replayed batch (a restarted core delivering again) is recognised and dropped.
    assert.deepEqual(kinds(deliver(batch(5, []))), ['ordered']);
    assert.equal(validator.lastExecutedSequence, 2 + MAX_CARRIED_BATCHES);
  });

  it('restarts from the last block and carries again what no block held', () => {
    const state = chain();
    const { validator, core } = validatorOn(state);
    core().next = [{ kind: 'commit', batch: batch(0, []) }];
    validator.handle({ kind: 'start' }, 2000);
    // The process dies with batch 0 carried: nothing of it is on the chain.
    const again = validatorOn(state);
    assert.equal(again.validator.lastExecutedSequence, -1);
    again.core().next = [
      { kind: 'commit', batch: batch(0, []) },
      { kind: 'commit', batch: batch(1, [again.validator.admit(put(0n, 'x'), 2100).bytes]) },
    ];
    const effects = again.validator.handle({ kind: 'start' }, 2100);
    const written = effects.find((e) => e.kind === 'write-block');
    assert.ok(written?.kind === 'write-block');
    assert.deepEqual(
      decodeBlockEvidence(written.block.header.evidence).batches.map((b) => b.sequence),
      [0, 1],
    );
  });
});
