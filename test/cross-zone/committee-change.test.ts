import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../src/codec/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import {
  committeeApplication,
  SHARDS_COMMITTEE,
  shardCommitteeConflictKey,
} from '../../src/cross-zone/committee-application.js';
import {
  DIRECTORY_STATE_KEY,
  directoryFromState,
  encodeDirectory,
  readShardCommittee,
  readShardCredit,
} from '../../src/cross-zone/directory.js';
import { ROOT_SHARD_BLOCK, ROOT_SHARD_ID, rootApplication } from '../../src/cross-zone/root-application.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { isGridShardError } from '../../src/errors.js';
import { ApplicationRouter, type TransactionContext } from '../../src/ledger/application.js';
import { genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction } from '../../src/ledger/signed-transaction.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { encodeTransaction, signTransaction, type Transaction } from '../../src/ledger/transaction.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import {
  handoverCycleEntry,
  ROLES_HANDOVER,
  readHandoverCertificate,
  signHandoverVote,
} from '../../src/roles/handover.js';
import { handoverApplication } from '../../src/roles/handover-application.js';
import {
  type CommitteeChange,
  decodeCommitteeChange,
  encodeCommitProof,
  encodeCommitteeChange,
  handoverSigningBytes,
  signCommitStatement,
  verifyCommitteeChange,
} from '../../src/sharding/index.js';

const CHAIN = 'zones';
const enc = (s: string) => new TextEncoder().encode(s);
const pair = (label: string) => ed25519KeyPairFromSeed(sha256(enc(label)));
/** Shard 1's genesis committee, then two elected ones; shard 0 is there to be recorded on. */
const genesisKeys = [0, 1].map((shard) =>
  Array.from({ length: 4 }, (_, i) => pair(`shard ${shard} node ${i}`)),
);
const epoch1Keys = [genesisKeys[1]![0]!, genesisKeys[1]![1]!, genesisKeys[1]![2]!, pair('shard 1 standby 0')];
const epoch2Keys = [epoch1Keys[1]!, epoch1Keys[2]!, epoch1Keys[3]!, pair('shard 1 standby 1')];
const keysOf = (list: readonly { publicKey: Uint8Array }[]) => list.map((k) => k.publicKey);
const committeeOf = (
  shardId: number,
  epoch: number,
  list: readonly { publicKey: Uint8Array }[],
): Committee => ({
  shardId,
  epoch,
  members: list.map((k, index) => ({ index, publicKey: k.publicKey })),
});

/** Credit an election could give a list of `size`: distinct figures, so a swap shows. */
const creditFor = (size: number) => Array.from({ length: size }, (_, i) => 6_000 + 500 * i);

/**
 * The quorum of `voters` (committee indices into `signers`) for `members` as shard 1's epoch
 * `nextEpoch`, with `credit` (default `creditFor`); `signed` makes the votes sign something else.
 */
function change(
  signers: readonly { seed: Uint8Array }[],
  voters: readonly number[],
  nextEpoch: number,
  members: readonly Uint8Array[],
  signed: {
    chain?: string;
    shard?: number;
    epoch?: number;
    members?: readonly Uint8Array[];
    credit?: readonly number[];
  } = {},
  credit: readonly number[] = creditFor(members.length),
): CommitteeChange {
  const bytes = handoverSigningBytes(
    signed.chain ?? CHAIN,
    signed.shard ?? 1,
    signed.epoch ?? nextEpoch,
    signed.members ?? members,
    signed.credit ?? credit,
  );
  return {
    shardId: 1,
    nextEpoch,
    members,
    credit,
    votes: voters.map((signer) => ({ signer, signature: ed25519Sign(signers[signer]!.seed, bytes) })),
  };
}

class MapState implements KeyValueState {
  readonly map = new Map<string, Uint8Array>();
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

/** Block 0 of any chain of the system: the directory genesis lists. */
function systemState(): MapState {
  const state = new MapState();
  state.set(
    DIRECTORY_STATE_KEY,
    encodeDirectory(genesisKeys.map((list, shardId) => ({ shardId, publicKeys: keysOf(list) }))),
  );
  return state;
}

const context = (shardId: number): TransactionContext => ({
  chainId: CHAIN,
  shardId,
  height: 1,
  timestampMs: 0,
  randomness: new Uint8Array(32),
  txIndex: 0,
  txHash: new Uint8Array(32),
});

const carrier = ed25519Scheme.signer(sha256(enc('whoever carries it')));
let nonce = 0n;
function tx(type: string, payload: Uint8Array, shardId: number): Transaction {
  return signTransaction(carrier, { chainId: CHAIN, shardId, type, payload, nonce: nonce++ });
}

const record = (state: MapState, cert: CommitteeChange, on = ROOT_SHARD_ID) =>
  committeeApplication.execute(state, tx(SHARDS_COMMITTEE, encodeCommitteeChange(cert), on), context(on));

function throwsCode(fn: () => unknown, code: string, what?: string): void {
  assert.throws(fn, (error: unknown) => isGridShardError(error) && error.code === code, what);
}

/** A commit proof of shard 1's block at `height` in `epoch`, signed by `signers` (committee indices of `list`). */
function shardBlock(
  height: number,
  epoch: number,
  list: readonly { seed: Uint8Array }[],
  signers = [0, 1, 2],
) {
  const statement = {
    chainId: CHAIN,
    shardId: 1,
    epoch,
    height,
    blockHash: sha256(enc(`block ${height}`)),
    stateRoot: sha256(enc(`state ${height}`)),
  };
  const proof = encodeCommitProof({
    statement,
    signatures: signers.map((signer) => {
      const { signature } = signCommitStatement(statement, signer, (m) => ed25519Sign(list[signer]!.seed, m));
      return { signer, signature };
    }),
  });
  return tx(ROOT_SHARD_BLOCK, proof, ROOT_SHARD_ID);
}

describe('a shard committee’s handover, checked on another chain', () => {
  const genesis1 = committeeOf(1, 0, genesisKeys[1]!);
  const next = keysOf(epoch1Keys);

  it('names the elected committee when 2f + 1 of the one before signed it, over this chain, shard, epoch and list', () => {
    const elected = verifyCommitteeChange(change(genesisKeys[1]!, [0, 2, 3], 1, next), CHAIN, genesis1);
    assert.equal(elected.epoch, 1);
    assert.deepEqual(keysOf(elected.members), next);
    const refused: [string, CommitteeChange, Committee?][] = [
      ['two votes of four', change(genesisKeys[1]!, [0, 1], 1, next)],
      ['a voter outside the committee', change([...genesisKeys[1]!, pair('outsider')], [0, 1, 4], 1, next)],
      ['votes of another shard', change(genesisKeys[1]!, [0, 1, 2], 1, next, { shard: 0 })],
      ['votes on another chain', change(genesisKeys[1]!, [0, 1, 2], 1, next, { chain: 'elsewhere' })],
      ['votes for another epoch', change(genesisKeys[1]!, [0, 1, 2], 1, next, { epoch: 2 })],
      [
        'votes for another list',
        change(genesisKeys[1]!, [0, 1, 2], 1, next, { members: keysOf(epoch2Keys) }),
      ],
      [
        'votes for other credit (two members’ figures swapped)',
        change(genesisKeys[1]!, [0, 1, 2], 1, next, { credit: [6_500, 6_000, 7_000, 7_500] }),
      ],
      ['credit for three of four members', change(genesisKeys[1]!, [0, 1, 2], 1, next, {}, [1, 2, 3])],
      [
        'credit above the scale',
        change(genesisKeys[1]!, [0, 1, 2], 1, next, {}, [10_001, 5_000, 5_000, 5_000]),
      ],
      ['a key listed twice', change(genesisKeys[1]!, [0, 1, 2], 1, [next[0]!, next[0]!, next[1]!, next[2]!])],
      ['an empty list', change(genesisKeys[1]!, [0, 1, 2], 1, [])],
      ['shard 0’s keys', change(genesisKeys[0]!, [0, 1, 2], 1, next)],
      ['an epoch that does not follow', change(genesisKeys[1]!, [0, 1, 2], 2, next), genesis1],
      [
        'the committee of another shard',
        change(genesisKeys[1]!, [0, 1, 2], 1, next),
        committeeOf(0, 0, genesisKeys[0]!),
      ],
    ];
    for (const [what, cert, previous] of refused)
      throwsCode(
        () => verifyCommitteeChange(cert, CHAIN, previous ?? genesis1),
        'BAD_COMMITTEE_CHANGE',
        what,
      );
    // Equally an invalid key: 32 bytes that are not a point.
    const notAPoint = new Uint8Array(32).fill(0xff);
    throwsCode(
      () => verifyCommitteeChange(change(genesisKeys[1]!, [0, 1, 2], 1, [notAPoint]), CHAIN, genesis1),
      'BAD_COMMITTEE_CHANGE',
    );
  });

  it('has one encoding: voters ascending and distinct, nothing trailing', () => {
    const cert = change(genesisKeys[1]!, [0, 1, 3], 1, next);
    const bytes = encodeCommitteeChange(cert);
    assert.deepEqual(decodeCommitteeChange(bytes), cert);
    const reversed = encodeCommitteeChange({ ...cert, votes: [...cert.votes].reverse() });
    assert.throws(() => decodeCommitteeChange(reversed), CodecError);
    assert.throws(() => decodeCommitteeChange(new Uint8Array([...bytes, 0])), CodecError);
    assert.throws(() => decodeCommitteeChange(bytes.subarray(0, bytes.length - 1)), CodecError);
  });

  it('is recorded epoch by epoch, and the root then checks the new committee’s commit proofs, not the old one’s', () => {
    const state = systemState();
    const root = (proof: Transaction) => rootApplication.execute(state, proof, context(ROOT_SHARD_ID));
    root(shardBlock(5, 0, genesisKeys[1]!));
    // Before the handover is recorded, a proof of epoch 1 names a committee the root cannot know.
    throwsCode(() => root(shardBlock(6, 1, epoch1Keys)), 'BAD_COMMIT_PROOF');
    // Epoch 2 cannot come first: it is checked against epoch 1's committee, not recorded yet.
    const second = change(epoch1Keys, [1, 2, 3], 2, keysOf(epoch2Keys));
    throwsCode(() => record(state, second), 'STALE_COMMITTEE_CHANGE');

    const first = change(genesisKeys[1]!, [0, 1, 3], 1, next);
    record(state, first);
    assert.deepEqual(keysOf(readShardCommittee(state, 1, 1)!.members), next);
    assert.deepEqual(readShardCredit(state, 1, 1), creditFor(4), 'the credit its masters are drawn by');
    assert.equal(readShardCredit(state, 1, 2), null);
    assert.deepEqual(keysOf(directoryFromState(state)!.committee(1, 1)!.members), next);
    throwsCode(() => record(state, first), 'STALE_COMMITTEE_CHANGE');
    // The old committee's signatures do not make a block of the new epoch (the member that left
    // signs as index 3), the new one's do.
    throwsCode(() => root(shardBlock(6, 1, genesisKeys[1]!, [0, 1, 3])), 'BAD_COMMIT_PROOF');
    root(shardBlock(6, 1, epoch1Keys, [1, 2, 3]));
    // Epoch 2, voted by epoch 1's members (the standby of epoch 1 among them), follows.
    record(state, second);
    root(shardBlock(7, 2, epoch2Keys));
    throwsCode(() => root(shardBlock(8, 2, epoch1Keys)), 'BAD_COMMIT_PROOF');
    // Shard 0 is untouched: its genesis committee still signs for it.
    assert.equal(directoryFromState(state)!.committee(0, 1), undefined);
  });

  it('keeps a second list a quorum signed for one epoch as evidence, changing nothing', () => {
    const state = systemState();
    record(state, change(genesisKeys[1]!, [0, 1, 2], 1, next));
    const other = keysOf([
      genesisKeys[1]![0]!,
      genesisKeys[1]![1]!,
      genesisKeys[1]![2]!,
      pair('another standby'),
    ]);
    record(state, change(genesisKeys[1]!, [0, 1, 3], 1, other));
    assert.ok(state.get(shardCommitteeConflictKey(1, 1)) !== undefined);
    assert.deepEqual(keysOf(readShardCommittee(state, 1, 1)!.members), next);
  });

  it('is refused on a chain that is not part of a sharded system', () => {
    throwsCode(() => record(new MapState(), change(genesisKeys[1]!, [0, 1, 2], 1, next)), 'NOT_SHARDED');
  });

  it('is what a shard’s own handover keeps: the quorum its chain counted, accepted by the root', () => {
    const shard = genesisChain(
      {
        chainId: CHAIN,
        shardId: 1,
        scheme: 'ed25519-sha256',
        genesisTimeMs: 0,
        initialState: [
          committeeGenesisEntry(genesis1),
          handoverCycleEntry({ startMs: 0, cycleMs: 86_400_000 }),
        ].sort((a, b) => Buffer.compare(a.key, b.key)),
      },
      new ApplicationRouter([handoverApplication]),
    );
    const relay = ed25519Scheme.signer(sha256(enc('a member relays')));
    let n = 0n;
    const vote = (voter: number, credit = creditFor(4)) =>
      decodeSignedTransaction(
        encodeTransaction(
          signTransaction(relay, {
            chainId: CHAIN,
            shardId: 1,
            type: ROLES_HANDOVER,
            payload: signHandoverVote(genesisKeys[1]![voter]!.seed, CHAIN, 1, voter, 1, next, credit),
            nonce: n++,
          }),
        ),
        ed25519Scheme,
      );
    const read = { get: (key: Uint8Array) => shard.view().getState(key) };
    // Member 2 votes for the same list with its own figures: its vote does not count with the others.
    shard.execute([vote(3), vote(1), vote(2, [10_000, 10_000, 10_000, 10_000])], { timestampMs: 10 });
    assert.equal(readHandoverCertificate(read, 1), null, 'no quorum on one list and one credit yet');
    shard.execute([vote(0)], { timestampMs: 20 });
    const certificate = readHandoverCertificate(read, 1)!;
    assert.deepEqual(
      certificate.votes.map((v) => v.signer),
      [0, 1, 3],
    );
    assert.deepEqual(certificate.credit, creditFor(4));
    const root = systemState();
    record(root, certificate);
    assert.deepEqual(keysOf(readShardCommittee(root, 1, 1)!.members), next);
    assert.deepEqual(readShardCredit(root, 1, 1), creditFor(4));
  });
});
