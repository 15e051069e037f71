import type { Highs } from 'highs';
import type { ConsensusCore } from '../consensus/interface.js';
import { sha256, toHex } from '../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import type { Prng } from '../kit/prng.js';
import { type Application, encodeKvPut, KV_PUT, keyValueApplication } from '../ledger/application.js';
import { type ChainState, type ExecutedBlock, genesisChain } from '../ledger/chain-state.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';
import { chainApplication } from '../market/grid-plugins.js';
import { Validator } from '../validator/validator.js';
import { type Conservation, marketConservation } from './conservation.js';
import { SimError } from './errors.js';
import { MarketWorkload } from './market-workload.js';
import { kvSchedule, type PlannedTransaction, type WorkloadName } from './workload.js';

const encoder = new TextEncoder();
export const SIM_CHAIN_ID = 'sim';
/** Clients sign the workload; each keeps its own nonce sequence, so blocks exercise the nonce window. */
const CLIENTS = 8;

export interface ExecutionReport {
  /** The highest block any honest validator executed. */
  readonly blocks: number;
  /** Transactions executed with a successful receipt (counted once, on the agreed chain). */
  readonly executedTx: number;
  /** Transactions refused at execution on the agreed chain (a resent copy, a replay). */
  readonly refusedTx: number;
  /** Heights where two honest validators executed blocks with different roots. */
  readonly stateRootDivergences: number;
  /** Honest validators that ended at another height or state root than the rest. */
  readonly finalStateMismatches: number;
  /**
   * Market workload: conservation laws broken on the agreed final state, plus honest validators
   * at that state whose conservation figures differ from it (0 for the key-value workload).
   */
  readonly conservationViolations: number;
  /** Market workload: the cycle as the agreed final state has it. */
  readonly market?: Omit<Conservation, 'violations'>;
  readonly problems: readonly string[];
}

/**
 * Whole validators inside the simulator (`--execute`): each honest instance runs the same
 * `Validator` the node runs (mempool, block cut, execution) over an in-memory chain that
 * survives its crashes, as its disk would. The workload is signed key-value transactions from a
 * few clients; the check is that every honest validator executes the same blocks (the same
 * block hash) to the same state, block by block.
 */
export class SimExecution {
  private readonly signers: Signer[];
  private readonly nonces: bigint[];
  private readonly chains = new Map<number, ChainState>();
  /** Height → the roots the first honest validator reached there. */
  private readonly canonical = new Map<number, { roots: string; ok: number; refused: number }>();
  private readonly lastBlock = new Map<number, { height: number; stateRoot: string }>();
  private divergences = 0;
  private readonly problems: string[] = [];
  private readonly market: MarketWorkload | null;
  /** Market workload: per validator, the envelopes it executed (sender/nonce), which clients read. */
  private readonly executedBy = new Map<number, Set<string>>();
  private readonly applicationOf: (instance: number) => Application;

  constructor(
    private readonly seed: number,
    /** The application each instance executes with, instead of the standard one (tests plant a bad one). */
    applicationOf?: (instance: number) => Application,
    workload: WorkloadName = 'kv',
    /** The solver of the grid engine's congestion management, for the market workload. */
    highs?: Highs,
  ) {
    this.market = workload === 'market' ? new MarketWorkload(seed, SIM_CHAIN_ID) : null;
    this.applicationOf = applicationOf ?? standardApplication(this.market !== null, highs);
    this.signers = Array.from({ length: CLIENTS }, (_, i) =>
      ed25519Scheme.signer(sha256(encoder.encode(`gridshard/sim/client/${seed}/${i}`))),
    );
    this.nonces = this.signers.map(() => 0n);
  }

  /** The run's client transactions: `count` key-value puts over the window, or the market's cycle. */
  schedule(count: number, windowMs: number, rng: Prng, honest: readonly number[]): PlannedTransaction[] {
    if (this.market === null)
      return kvSchedule(this.seed, count, windowMs, rng, honest, (k, tag) => this.transaction(k, tag));
    return this.market.schedule(
      {
        state: (instance) => this.stateOf(instance),
        executed: (instance, sender, nonce) =>
          this.executedBy.get(instance)?.has(`${toHex(sender)}/${nonce}`) ?? false,
        blockTimeMs: (instance) => this.chains.get(instance)?.executedHeader.timestampMs ?? 0,
      },
      honest,
    );
  }

  private stateOf(instance: number): ReadableState {
    const view = this.chains.get(instance)?.view();
    return { get: (key) => view?.getState(key) };
  }

  /** The k-th client transaction: a signed `kv.put` from client k mod CLIENTS, next nonce. */
  transaction(k: number, tag: string): Uint8Array {
    const client = k % CLIENTS;
    const nonce = this.nonces[client]!;
    this.nonces[client] = nonce + 1n;
    return encodeTransaction(
      signTransaction(this.signers[client]!, {
        chainId: SIM_CHAIN_ID,
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(encoder.encode(`meter/${k % 5}`), encoder.encode(tag)),
        nonce,
      }),
    );
  }

  /** A validator for `instance` over its chain (created at genesis once, kept across restarts). */
  validator<M>(
    instance: number,
    createCore: (acceptsEntry: (entry: Uint8Array) => boolean) => ConsensusCore<M>,
  ): Validator<M> {
    let chain = this.chains.get(instance);
    if (chain === undefined) {
      chain = genesisChain(
        {
          chainId: SIM_CHAIN_ID,
          shardId: 0,
          scheme: 'ed25519-sha256',
          genesisTimeMs: 0,
          ...(this.market === null ? {} : { initialState: this.market.genesisState() }),
        },
        this.applicationOf(instance),
      );
      this.chains.set(instance, chain);
    }
    return new Validator<M>({ chain, createCore });
  }

  /** An honest validator executed `block`: it must match what every other one executed there. */
  executed(identity: number, block: ExecutedBlock): void {
    const { header } = block;
    // The hash covers the rest of the header too: the evidence of every batch, which must not
    // depend on which quorum of votes or commits a validator happened to gather.
    const roots = `${toHex(header.stateRoot)}/${toHex(header.txRoot)}/${toHex(header.receiptsRoot)}/${header.timestampMs}/hash ${toHex(block.hash)}`;
    const known = this.canonical.get(header.height);
    if (known === undefined) {
      const ok = block.receipts.filter((r) => r.ok).length;
      this.canonical.set(header.height, { roots, ok, refused: block.receipts.length - ok });
    } else if (known.roots !== roots) {
      this.divergences++;
      if (this.problems.length < 5)
        this.problems.push(
          `state: validator ${identity} executed block ${header.height} to ${roots}, another honest validator to ${known.roots}`,
        );
    }
    this.lastBlock.set(identity, { height: header.height, stateRoot: toHex(header.stateRoot) });
    if (this.market !== null) {
      let seen = this.executedBy.get(identity);
      if (seen === undefined) this.executedBy.set(identity, (seen = new Set()));
      for (const { tx } of block.transactions) seen.add(`${toHex(tx.sender)}/${tx.nonce}`);
    }
  }

  report(honest: readonly number[]): ExecutionReport {
    const finals = honest.map((i) => this.lastBlock.get(i) ?? { height: 0, stateRoot: 'genesis' });
    // Every decision is a block, one without transactions too, so when the run stops a validator
    // may be a few such blocks short of the others: it agrees if it lacks nothing that succeeded
    // (a block of only refused transactions, a resent copy, is such a block). Its state root
    // still has to match, which is what catches a refusal or due application work that changed
    // the state.
    const top = Math.max(0, ...finals.map((f) => f.height));
    const onlyEmptyAbove = (height: number) => {
      for (let h = height + 1; h <= top; h++) {
        const block = this.canonical.get(h);
        if (block === undefined || block.ok > 0) return false;
      }
      return true;
    };
    const keys = finals.map((f) => `${onlyEmptyAbove(f.height) ? top : f.height}/${f.stateRoot}`);
    const tally = new Map<string, number>();
    for (const key of keys) tally.set(key, (tally.get(key) ?? 0) + 1);
    const most = Math.max(0, ...tally.values());
    const problems = [...this.problems];
    if (tally.size > 1)
      problems.push(`state: honest validators ended at ${[...tally.keys()].join(', ')} (height/state root)`);
    let executedTx = 0;
    let refusedTx = 0;
    for (const entry of this.canonical.values()) {
      executedTx += entry.ok;
      refusedTx += entry.refused;
    }
    const conservation = this.conservation(honest, keys, tally, most, problems);
    return {
      blocks: Math.max(0, ...this.canonical.keys()),
      executedTx,
      refusedTx,
      stateRootDivergences: this.divergences,
      finalStateMismatches: finals.length - most,
      conservationViolations: conservation?.count ?? 0,
      ...(conservation === undefined ? {} : { market: conservation.agreed }),
      problems,
    };
  }

  /**
   * Market workload: conservation on the agreed final state (the one most honest validators
   * reached), evaluated at each honest validator there; every broken law counts, and so does a
   * validator whose figures differ from the first one's.
   */
  private conservation(
    honest: readonly number[],
    keys: readonly string[],
    tally: ReadonlyMap<string, number>,
    most: number,
    problems: string[],
  ): { count: number; agreed: Omit<Conservation, 'violations'> } | undefined {
    if (this.market === null) return undefined;
    const agreedFinal = [...tally.entries()].find(([, count]) => count === most)?.[0];
    const at = honest.filter((_, k) => keys[k] === agreedFinal);
    const reports = at.map((i) => marketConservation(this.stateOf(i), this.market!.traderKeys()));
    const first = reports[0] ?? { cycleState: 'none', contractedWh: 0, settledMoney: '0', violations: [] };
    let count = first.violations.length;
    for (const v of first.violations) problems.push(`conservation: validator ${at[0]}: ${v}`);
    reports.forEach((report, k) => {
      if (JSON.stringify(report) === JSON.stringify(first)) return;
      count++;
      problems.push(`conservation: validator ${at[k]} computes other figures than validator ${at[0]}`);
    });
    const { violations: _, ...agreed } = first;
    return { count, agreed };
  }
}

/**
 * Key-value puts need only the key-value application; the market workload executes with the
 * node's own application (`chainApplication`), whose market checks schedules with the grid engine
 * on the grid model in the run's genesis, so it needs the solver.
 */
function standardApplication(market: boolean, highs: Highs | undefined): (instance: number) => Application {
  if (!market) return () => keyValueApplication;
  if (highs === undefined)
    throw new SimError(
      'BAD_OPTIONS',
      'the market workload executes with the grid engine: pass the HiGHS solver (highs, from loadHighs())',
      {},
    );
  const application = chainApplication(highs);
  return () => application;
}
