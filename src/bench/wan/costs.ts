import { coinName, combineCoinShares, createCoinShare, verifyCoinShare } from '../../consensus/coin/index.js';
import { dagGenesis, decodeDagMessage, encodeDagMessage, type Header } from '../../consensus/dag/index.js';
import { quorumSize, validitySize } from '../../consensus/interface.js';
import {
  ed25519KeyPairFromSeed,
  ed25519PrivateKeyObject,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
  sha256,
} from '../../crypto/index.js';
import {
  type CommitProof,
  type CrossTrade,
  encodeAttestation,
  encodeCommitProof,
  encodeVoteShare,
  RootLedger,
  type ShardDirectory,
  ShardLedger,
  signCommitStatement,
  signVote,
  sortedSignatures,
  verifyAttestation,
  verifyVoteShare,
} from '../../sharding/index.js';
import { signTrade } from '../../sim/sharded/client-keys.js';
import { rootAccepts } from '../../sim/sharded/root-node.js';
import { encodeShardEntry, shardAccepts } from '../../sim/sharded/shard-entry.js';
import { CheckMemo } from '../../sim/shared-checks.js';
import { median } from '../stats.js';
import type { UnitCosts } from './types.js';

const CHAIN = 'gridshard-wan-costs';
const ROOT_SHARD = 0xffff;
const encoder = new TextEncoder();

/** Median µs per operation over `repeats` batches of `count`, each call on fresh inputs (`i` counts up). */
function perOpUs(repeats: number, count: number, op: (i: number) => void): number {
  const times: number[] = [];
  let i = 0;
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    for (let k = 0; k < count; k++) op(i++);
    times.push(((performance.now() - started) * 1000) / count);
  }
  return median(times);
}

function session(i: number): Uint8Array {
  return sha256(encoder.encode(`wan-costs/session/${i}`)).subarray(0, 16);
}

function localTrade(i: number): CrossTrade {
  return {
    chainId: CHAIN,
    session: session(i),
    cycle: 0,
    legs: [
      {
        shard: 0,
        entries: [
          { account: 'z0-buyer-0', money: -120n, energy: 60n },
          { account: 'z0-seller-0', money: 120n, energy: -60n },
        ],
      },
    ],
  };
}

function crossTrade(i: number): CrossTrade {
  return {
    chainId: CHAIN,
    session: session(i),
    cycle: 0,
    legs: [
      { shard: 0, entries: [{ account: 'z0-buyer-0', money: -120n, energy: 60n }] },
      { shard: 1, entries: [{ account: 'z1-seller-0', money: 120n, energy: -60n }] },
    ],
  };
}

const AMPLE = 1n << 60n;
const accounts = (shard: number): [string, { money: bigint; energy: bigint }][] => [
  [`z${shard}-buyer-0`, { money: AMPLE, energy: 0n }],
  [`z${shard}-seller-0`, { money: 0n, energy: AMPLE }],
];

/**
 * Times, on this machine and in this process, every step the projection charges, through the
 * project's own functions: Ed25519 (node:crypto), SHA-256, the DAG codec, the shard's and the
 * root's `acceptsEntry`, the shard ledger, vote shares, commit statements and proofs, the
 * threshold coin, for committees of `nodesPerShard` (shards) and `rootNodes` (root). Each figure
 * is the median of `repeats` batches; every operation takes inputs no earlier one saw, so no memo
 * answers it. Sizes are those of the real encodings.
 */
export function measureUnitCosts(nodesPerShard: number, rootNodes: number, repeats = 5): UnitCosts {
  const batch = 40;
  const seedKey = ed25519KeyPairFromSeed(sha256(encoder.encode('wan-costs/key')));
  const signKey = ed25519PrivateKeyObject(seedKey.seed);
  const verifyKey = ed25519PublicKeyObject(seedKey.publicKey);
  const message = (i: number) => sha256(encoder.encode(`wan-costs/message/${i}`));
  const ed25519SignUs = perOpUs(repeats, batch, (i) => ed25519Sign(signKey, message(i)));
  const signatures = Array.from({ length: repeats * batch }, (_, i) => ed25519Sign(signKey, message(i)));
  const ed25519VerifyUs = perOpUs(repeats, batch, (i) =>
    ed25519Verify(verifyKey, message(i), signatures[i]!),
  );

  const kb = new Uint8Array(64 * 1024).map((_, i) => i * 7);
  const sha256UsPerKb = perOpUs(repeats, 10, (i) => sha256(kb, new Uint8Array([i & 255]))) / 64;

  const vote = {
    type: 'vote' as const,
    vote: { headerDigest: message(1), voter: 3, signature: signatures[0]! },
  };
  const messageUs = perOpUs(repeats, batch, () => decodeDagMessage(encodeDagMessage(vote)));
  const voteBytes = encodeDagMessage(vote).length;
  const txs = Array.from({ length: 200 }, (_, i) =>
    encodeShardEntry({ kind: 'local', trade: localTrade(i), signature: signTrade(localTrade(i)) }),
  );
  const header: Header = {
    author: 1,
    round: 4,
    parents: Array.from({ length: quorumSize(nodesPerShard) }, (_, i) => message(100 + i)),
    weakParents: [],
    transactions: txs,
    coinShare: null,
    signature: signatures[1]!,
  };
  const headerMessage = { type: 'header' as const, header };
  const headerKb = encodeDagMessage(headerMessage).length / 1024;
  const codecUsPerKb = Math.max(
    0,
    (perOpUs(repeats, 5, () => decodeDagMessage(encodeDagMessage(headerMessage))) - messageUs) / headerKb,
  );

  // Shard committees 0 and 1 and the root committee, with their real keys.
  const genesis = (size: number, shardId: number) =>
    dagGenesis(size, sha256(encoder.encode(`wan-costs/genesis/${shardId}`)), { shardId });
  const shard0 = genesis(nodesPerShard, 0);
  const shard1 = genesis(nodesPerShard, 1);
  const root = genesis(rootNodes, ROOT_SHARD);
  const directory: ShardDirectory = {
    committee: (shard, epoch) =>
      epoch !== 0
        ? undefined
        : shard === 0
          ? shard0[0]!.committee
          : shard === 1
            ? shard1[0]!.committee
            : shard === ROOT_SHARD
              ? root[0]!.committee
              : undefined,
  };
  const keys0 = shard0.map((init) => ed25519PrivateKeyObject(init.signingSeed));
  const keys1 = shard1.map((init) => ed25519PrivateKeyObject(init.signingSeed));

  const total = repeats * batch;
  const signed = Array.from({ length: total }, (_, i) =>
    encodeShardEntry({
      kind: 'local',
      trade: localTrade(1000 + i),
      signature: signTrade(localTrade(1000 + i)),
    }),
  );
  const accepts0 = shardAccepts(0, true);
  const signedEntryCheckUs = perOpUs(repeats, batch, (i) => accepts0(signed[i]!));

  const ledger0 = new ShardLedger(0, CHAIN, 0, accounts(0), directory);
  const locals = Array.from({ length: total }, (_, i) => localTrade(5000 + i));
  const applyLocalUs = perOpUs(repeats, batch, (i) => ledger0.applyLocal(locals[i]!));

  const crosses = Array.from({ length: total }, (_, i) => crossTrade(9000 + i));
  const ledger1 = new ShardLedger(1, CHAIN, 0, accounts(1), directory);
  const statements0: ReturnType<ShardLedger['prepare']>[] = [];
  const prepareUs = perOpUs(repeats, batch, (i) => statements0.push(ledger0.prepare(crosses[i]!)));
  const statements1 = crosses.map((t) => ledger1.prepare(t)!);
  const shares0: ReturnType<typeof signVote>[] = [];
  const voteSignUs = perOpUs(repeats, batch, (i) =>
    shares0.push(
      signVote(statements0[i]!, i % nodesPerShard, (m) => ed25519Sign(keys0[i % nodesPerShard]!, m)),
    ),
  );
  const committee0 = shard0[0]!.committee;
  const shareVerifyUs = perOpUs(repeats, batch, (i) => verifyVoteShare(shares0[i]!, committee0));
  const share = encodeVoteShare(shares0[0]!).length;

  const quorum = quorumSize(nodesPerShard);
  const certified = (statement: NonNullable<ReturnType<ShardLedger['prepare']>>, keys: typeof keys0) => ({
    statement,
    signatures: sortedSignatures(
      Array.from({ length: quorum }, (_, j) => signVote(statement, j, (m) => ed25519Sign(keys[j]!, m))),
    ),
  });
  const decideCount = Math.max(2, Math.floor(batch / 4));
  const decisions = Array.from({ length: repeats * decideCount }, (_, i) => ({
    trade: crosses[i]!,
    votes: [certified(statements0[i]!, keys0), certified(statements1[i]!, keys1)],
  }));
  const decideUs = perOpUs(repeats, decideCount, (i) => ledger0.decide(decisions[i]!));
  // A copy of a decision applied again by a validator whose own memo holds its signatures.
  const memoLedger = new ShardLedger(0, CHAIN, 0, accounts(0), {
    ...directory,
    sharedChecks: new CheckMemo(),
  });
  for (const d of decisions) {
    memoLedger.prepare(d.trade);
    memoLedger.decide(d);
  }
  const decideRepeatUs = perOpUs(repeats, decideCount, (i) => memoLedger.decide(decisions[i]!));
  const decisionBytes = encodeShardEntry({ kind: 'decision', decision: decisions[0]! });
  const acceptsDecision = shardAccepts(0, true);
  const decisionCheckUs = perOpUs(repeats, batch, () => acceptsDecision(decisionBytes));

  const statement = (height: number) => ({
    chainId: CHAIN,
    shardId: 0,
    epoch: 0,
    height,
    blockHash: message(20_000 + height),
    stateRoot: message(30_000 + height),
  });
  const attestations: ReturnType<typeof signCommitStatement>[] = [];
  const attestUs = perOpUs(repeats, batch, (i) =>
    attestations.push(
      signCommitStatement(statement(i + 1), i % nodesPerShard, (m) =>
        ed25519Sign(keys0[i % nodesPerShard]!, m),
      ),
    ),
  );
  const attestationVerifyUs = perOpUs(repeats, batch, (i) => verifyAttestation(attestations[i]!, committee0));
  const proofCount = Math.max(2, Math.floor(batch / 4));
  const proofs: CommitProof[] = Array.from({ length: repeats * proofCount }, (_, i) => ({
    statement: statement(i + 1),
    signatures: sortedSignatures(
      Array.from({ length: quorum }, (_, j) =>
        signCommitStatement(statement(i + 1), j, (m) => ed25519Sign(keys0[j]!, m)),
      ),
    ),
  }));
  const proofBytes = proofs.map((p) => encodeCommitProof(p));
  const acceptsProof = rootAccepts(CHAIN, directory);
  const proofCheckUs = perOpUs(repeats, proofCount, (i) => acceptsProof(proofBytes[i]!));
  const rootLedger = new RootLedger(CHAIN, directory);
  const proofIncludeUs = perOpUs(repeats, proofCount, (i) => rootLedger.include(proofs[i]!));
  // The same with a root validator's own memo that verified every attestation of the proof.
  const memo = new CheckMemo();
  const memoDirectory: ShardDirectory = { ...directory, sharedChecks: memo };
  for (const p of proofs)
    for (const a of p.signatures) verifyAttestation({ statement: p.statement, ...a }, committee0, memo);
  const acceptsProofMemo = rootAccepts(CHAIN, memoDirectory);
  const proofCheckMemoUs = perOpUs(repeats, proofCount, (i) => acceptsProofMemo(proofBytes[i]!));
  const memoRootLedger = new RootLedger(CHAIN, memoDirectory);
  const proofIncludeMemoUs = perOpUs(repeats, proofCount, (i) => memoRootLedger.include(proofs[i]!));

  const coinKeys = shard0[0]!.coinPublicKeys;
  const coinShares: { index: number; share: Uint8Array }[][] = [];
  const coinShareUs = perOpUs(repeats, 4, (i) => {
    const name = coinName(0, 0, i);
    const shares = Array.from({ length: validitySize(nodesPerShard) }, (_, j) => j).map((j) => ({
      index: j,
      share: j === 0 ? createCoinShare(shard0[j]!.coinSecretShare, coinKeys, j, name) : new Uint8Array(),
    }));
    coinShares.push(shares);
  });
  for (let i = 0; i < coinShares.length; i++) {
    const name = coinName(0, 0, i);
    for (const s of coinShares[i]!)
      if (s.index > 0) s.share = createCoinShare(shard0[s.index]!.coinSecretShare, coinKeys, s.index, name);
  }
  const coinVerifyUs = perOpUs(repeats, 4, (i) =>
    verifyCoinShare(coinKeys, 1, coinName(0, 0, i), coinShares[i]![1]!.share),
  );
  const coinCombineUs = perOpUs(repeats, 4, (i) =>
    combineCoinShares(coinKeys, coinName(0, 0, i), coinShares[i]!),
  );

  return {
    ed25519SignUs,
    ed25519VerifyUs,
    sha256UsPerKb,
    messageUs,
    codecUsPerKb,
    signedEntryCheckUs,
    decisionCheckUs,
    applyLocalUs,
    prepareUs,
    voteSignUs,
    shareVerifyUs,
    decideUs,
    decideRepeatUs,
    attestUs,
    attestationVerifyUs,
    proofCheckUs,
    proofIncludeUs,
    proofCheckMemoUs,
    proofIncludeMemoUs,
    coinShareUs,
    coinVerifyUs,
    coinCombineUs,
    bytes: {
      signedEntry: signed[0]!.length,
      decision: decisionBytes.length,
      proof: proofBytes[0]!.length,
      share,
      attestation: encodeAttestation(attestations[0]!).length,
      vote: voteBytes,
    },
  };
}
