import { maxFaulty } from '../../consensus/interface.js';
import { sha256, toHex } from '../../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../crypto/scheme.js';
import { EffectLoop } from '../../kit/effect-loop.js';
import { Prng } from '../../kit/prng.js';
import { ApplicationRouter, encodeKvPut, KV_PUT, keyValueApplication } from '../../ledger/application.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import { dkgApplication } from '../../roles/dkg-application.js';
import { rolesApplication } from '../../roles/evidence-application.js';
import { handoverApplication } from '../../roles/handover-application.js';
import { SimError } from '../errors.js';
import { EpochChain } from './epoch-chain.js';
import type { ChurnOptions, ChurnResult } from './types.js';

export type { ChurnOptions, ChurnResult } from './types.js';

const encoder = new TextEncoder();
const CHAIN_ID = 'sim-churn';
const CLIENTS = 8;
const MAX_EVENTS = 4_000_000;
/** Followers apply the blocks they have not yet executed this often. */
const FOLLOW_MS = 50;
/** A client sends a transaction again when no block holds it this long after it sent it. */
const CLIENT_RESEND_MS = 3000;
/** The replaying adversary injects an old message this often while cycles run. */
const REPLAY_MS = 150;
/** The stream the scheduler is drawn from (kept apart from the run's). */
const SCHEDULER_STREAM = 0xc4a2;

/**
 * A committee that hands over every cycle, under the seeded fault plan (or the asynchronous
 * scheduler, twins or the colluding brain: `EpochScheduler`) and Byzantine members: whole
 * validators (`EpochValidator`) of the DAG protocol, standby nodes that follow the chain by
 * executing its blocks, and members that vote each cycle for the committee the chain's credit
 * elects (election.ts), all in one `EpochChain`. The adversary also replays old epochs' messages,
 * as they were and re-tagged with a newer epoch, and its Byzantine members vote for another
 * committee. Checked: every honest node holds the same block at every height, every block's
 * certificates verify against the committee of its epoch, every epoch's order starts at 0 without
 * a gap, and the client transactions and handovers all commit.
 */
export function runChurnSimulation(options: ChurnOptions): ChurnResult {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new SimError('BAD_OPTIONS', `--nodes must be 1 … 32, got ${n}`);
  if (!Number.isInteger(options.standby) || options.standby < 0 || options.standby > 16)
    throw new SimError('BAD_OPTIONS', `--standby must be 0 … 16, got ${options.standby}`);
  if (!Number.isInteger(options.faulty) || options.faulty < 0 || options.faulty > maxFaulty(n))
    throw new SimError(
      'BAD_OPTIONS',
      `--faulty must be 0 … ${maxFaulty(n)} for ${n} validators, got ${options.faulty}`,
    );
  if (!Number.isInteger(options.cycles) || options.cycles < 1 || options.cycles > 100)
    throw new SimError('BAD_OPTIONS', `--cycles must be 1 … 100, got ${options.cycles}`);
  return new ChurnSimulation(options).run();
}

class ChurnSimulation {
  private readonly rng: Prng;
  private readonly chain: EpochChain;
  private readonly loop;
  private readonly cycleMs: number;
  private readonly clientSigners: Signer[];
  private readonly clientNonces: bigint[];
  private readonly pendingTx = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  private readonly committedTx = new Set<string>();
  private submitted = 0;
  private resent = 0;

  constructor(private readonly options: ChurnOptions) {
    this.rng = new Prng(options.seed);
    const dkg = (options.keys ?? 'dkg') === 'dkg';
    this.cycleMs = options.cycleMs ?? (dkg ? 5000 : 3000);
    const genesisSeed = new Uint8Array(32);
    new DataView(genesisSeed.buffer).setUint32(0, options.seed >>> 0);
    this.chain = new EpochChain({
      chainId: CHAIN_ID,
      shardId: 0,
      label: 'gridshard/churn',
      genesisSeed,
      seed: options.seed,
      nodes: options.nodes,
      standby: options.standby,
      faulty: options.faulty,
      byzantine: options.byzantine,
      cycles: options.cycles,
      cycleMs: this.cycleMs,
      dkg,
      offset: 0,
      rng: this.rng,
      schedulerRng: new Prng(options.seed).fork(SCHEDULER_STREAM),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      ...(options.adversary === undefined ? {} : { adversary: options.adversary }),
      ...(options.calm === undefined ? {} : { calm: options.calm }),
      windowMs: options.cycles * this.cycleMs,
      application: new ApplicationRouter([
        keyValueApplication,
        rolesApplication,
        dkgApplication,
        handoverApplication,
      ]),
      onAgreedBlock: (block) => {
        for (const hash of block.txHashes) {
          const key = toHex(hash);
          if (this.pendingTx.delete(key)) this.committedTx.add(key);
        }
      },
    });
    this.clientSigners = Array.from({ length: CLIENTS }, (_, i) =>
      ed25519Scheme.signer(sha256(encoder.encode(`gridshard/churn/client/${i}`), genesisSeed)),
    );
    this.clientNonces = this.clientSigners.map(() => 0n);
    const chain = this.chain;
    // Twins, if any, are the instances after the chain's nodes.
    chain.placeTwins(chain.total);
    this.loop = new EffectLoop([...chain.runners(), ...chain.twinRunners()], {
      identities: chain.total,
      identityOf: [...Array.from({ length: chain.total }, (_, id) => id), ...chain.twinIdentities()],
      network: chain.network,
      outgoing: (_, message): unknown => {
        chain.sample(message);
        return message;
      },
      effect: (node, effect) =>
        node < chain.total ? chain.effect(node, effect) : chain.twinEffect(node - chain.total, effect),
    });
    chain.attach(this.loop);
  }

  run(): ChurnResult {
    const chain = this.chain;
    const windowMs = this.options.cycles * this.cycleMs;
    const count = this.options.transactions ?? 200;
    const txRng = this.rng.fork(4);
    for (let k = 0; k < count; k++) {
      const atMs = Math.floor((k * windowMs) / count);
      this.loop.schedule(atMs, () => this.clientSends(this.clientTransaction(k, txRng), txRng));
    }
    const crash = this.options.crash ?? chain.plan.crash;
    if (crash !== null) {
      this.loop.schedule(crash.atMs, () => chain.crash(crash.node));
      this.loop.schedule(crash.restartMs, () => chain.restart(crash.node));
    }
    const faultsEnd = Math.max(windowMs, chain.faultsEndMs(), this.options.crash?.restartMs ?? 0);
    // A committee serves a whole cycle from its start, so the handovers still due after the faults
    // need a cycle each whatever the network does: the bound is on top of that.
    const deadline =
      faultsEnd + this.options.cycles * this.cycleMs + (this.options.livenessBoundMs ?? 30_000);
    this.every(FOLLOW_MS, deadline, () => chain.followAll());
    this.every(1000, deadline, () => this.resendClients(txRng));
    // Byzantine nodes replay for the whole run: liveness must hold under them too.
    if (chain.faultyNodes.length > 0) this.every(REPLAY_MS, deadline, () => chain.replay());
    this.loop.armReleases();
    chain.start();
    let events = 0;
    let done = false;
    while (events < MAX_EVENTS && this.loop.step(deadline)) {
      events++;
      if (this.loop.now >= windowMs && this.finished(count)) {
        done = true;
        break;
      }
    }
    return this.report(done, count);
  }

  /**
   * Every transaction committed, the last handover made, and every honest node, members and
   * followers alike, in the last epoch: a node left behind at a boundary fails the run.
   */
  private finished(count: number): boolean {
    return (
      this.committedTx.size === count &&
      this.chain.reachedEpoch() >= this.options.cycles &&
      this.chain.laggingNodes().length === 0
    );
  }

  private every(periodMs: number, untilMs: number, task: () => void): void {
    const tick = (): void => {
      task();
      if (this.loop.now + periodMs <= untilMs) this.loop.schedule(this.loop.now + periodMs, tick);
    };
    this.loop.schedule(periodMs, tick);
  }

  private clientTransaction(k: number, rng: Prng): Uint8Array {
    const client = k % CLIENTS;
    const nonce = this.clientNonces[client]!;
    this.clientNonces[client] = nonce + 1n;
    return encodeTransaction(
      signTransaction(this.clientSigners[client]!, {
        chainId: CHAIN_ID,
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(
          encoder.encode(`meter/${k % 5}`),
          encoder.encode(`churn/${k}/${rng.next().toString(16)}`),
        ),
        nonce,
      }),
    );
  }

  private clientSends(bytes: Uint8Array, rng: Prng): void {
    this.submitted++;
    this.pendingTx.set(toHex(ed25519Scheme.hash(bytes)), { bytes, sentAtMs: this.loop.now });
    this.handTo(bytes, rng);
  }

  private handTo(bytes: Uint8Array, rng: Prng): void {
    const members = this.chain.liveHonestMembers();
    if (members.length === 0) return;
    this.loop.feed(rng.pick(members), { kind: 'transactions', transactions: [bytes] });
  }

  /** What no block holds a while after it was sent goes again to a member (its first may have left). */
  private resendClients(rng: Prng): void {
    for (const pending of this.pendingTx.values()) {
      if (this.loop.now - pending.sentAtMs < CLIENT_RESEND_MS) continue;
      pending.sentAtMs = this.loop.now;
      this.resent++;
      this.handTo(pending.bytes, rng);
    }
  }

  private report(done: boolean, count: number): ChurnResult {
    const chain = this.chain;
    const epochProblems = chain.epochProblems();
    for (const p of epochProblems.slice(0, 4)) chain.problem(`epoch: ${p}`);
    const { committees, replaced } = chain.committeeHistory();
    const { pauses, rounds } = chain.boundaryPauses();
    const suspensionDelaysMs = chain.suspensionDelays(done);
    if (!done) {
      const lagging = chain.laggingNodes();
      chain.problem(
        `liveness: ${this.committedTx.size} of ${count} transactions committed, epoch ${chain.reachedEpoch()} of ${this.options.cycles} reached` +
          (lagging.length === 0 ? '' : `, nodes ${lagging.join(', ')} left behind in an earlier epoch`),
      );
    }
    return {
      seed: this.options.seed,
      scheduler: chain.scheduler,
      nodes: this.options.nodes,
      standby: this.options.standby,
      faultyNodes: chain.faultyNodes,
      strategies: chain.strategies,
      reconfigurations: chain.reachedEpoch(),
      replacedVerifiers: replaced,
      suspendedNodes: chain.suspendedAtMs.size,
      suspensionDelaysMs,
      epochSafetyViolations: epochProblems.length,
      blockDivergences: chain.divergences,
      livenessOk: done,
      submittedTx: this.submitted,
      committedTx: this.committedTx.size,
      blocks: chain.canonical.length,
      committees,
      boundaryPausesMs: pauses,
      firstCommitRounds: rounds,
      replayedMessages: chain.replayed,
      colludingAttacks: chain.colludingAttacks.length,
      byzantineVotes: chain.byzantineVotes,
      keySessions: chain.keySessionIds.size,
      resyncs: chain.resyncs,
      resentTx: this.resent,
      virtualMs: this.loop.now,
      problems: chain.problems,
      ...(this.options.keepChain
        ? {
            chain: {
              genesis: chain.genesisCommittee,
              blocks: chain.canonical.map(({ block, proof }) => ({ block, proof })),
            },
          }
        : {}),
    };
  }
}
