import { decodeExact, Writer } from '../codec/index.js';
import type { CommittedBatch, Committee, ConsensusCore, ConsensusEffect } from '../consensus/interface.js';
import { bytesEqual, toHex } from '../crypto/hash.js';
import type { ChainState, ExecutedBlock } from '../ledger/chain-state.js';
import type { CommittedView } from '../ledger/committed-view.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { ValidatorError } from './errors.js';
import { type AdmittedTransaction, DEFAULT_MEMPOOL_LIMITS, Mempool, type MempoolLimits } from './mempool.js';
import type { ValidatorEffect, ValidatorInput } from './types.js';
import { Validator } from './validator.js';

/**
 * A validator across committee handovers. Each epoch's committee runs its own consensus core; the
 * chain says when an epoch ends (the block whose state records the next committee, see
 * src/roles/handover-application.ts) and every honest validator switches after that same block:
 *
 * - what the old core orders after the boundary belongs to no block, at any validator;
 * - messages carry their epoch, and a core only ever hears messages of its own epoch, so a vote or
 *   certificate of one epoch never counts in another (signatures bind the epoch as well);
 * - messages of the next epoch that arrive before this validator reached the boundary wait for it;
 * - the previous epoch's core stays as a *retired* core: it answers peers' requests for what it
 *   holds (so an old member that lags behind can still reach the boundary) and signs nothing new;
 * - transactions this validator proposed and that no block holds are proposed again to the new core;
 * - a validator outside the new committee keeps its chain and stops ordering; one that joins starts
 *   its core at the boundary (its chain must reach the boundary first: a follower's state sync).
 *
 * Addresses are the shell's names for nodes (a simulator's instance, a node's peer), stable across
 * epochs; a committee index means a different node in another epoch, so the shell never sees one.
 */

export interface EpochMessage<M> {
  readonly epoch: number;
  readonly message: M;
}

/** Inputs as the shell gives them: messages from addresses, timers by the names it was given. */
export type EpochValidatorInput<M> = ValidatorInput<EpochMessage<M>>;
/**
 * Effects for the shell; sends go to addresses, and there is no broadcast (it is spelt out). An
 * ordered batch names its epoch (sequences start again at 0 in each), and a batch ordered after
 * its epoch's last block is not reported: it belongs to no block.
 */
export type EpochValidatorEffect<M> =
  | Exclude<ValidatorEffect<EpochMessage<M>>, { readonly kind: 'ordered' }>
  | { readonly kind: 'ordered'; readonly epoch: number; readonly batch: CommittedBatch };

export interface EpochCoreRequest {
  readonly committee: Committee;
  readonly index: number;
  /** The state the epoch starts from (where, for one, its coin keys are recorded). */
  readonly state: ReadableState;
  readonly acceptsEntry: (entry: Uint8Array) => boolean;
  /** The core's own snapshot, when this validator restarts inside the same epoch. */
  readonly recovered?: Uint8Array;
  /** Signed records of this epoch made durable before a restart. */
  readonly signedLog?: readonly Uint8Array[];
  /**
   * The chain already holds this epoch's batches through this sequence, copied from peers past
   * what the core's snapshot can order again (a restart's catch-up): the core starts after it.
   */
  readonly orderedThrough?: number;
}

export interface EpochValidatorOptions<M> {
  /** The chain at its durable head; its state must record the committee (`roles/committee`). */
  readonly chain: ChainState;
  /** This node's consensus key: it finds the node's index in each committee. */
  readonly publicKey: Uint8Array;
  /** The shell's address of a committee member, by key (undefined: unreachable). */
  readonly addressOf: (publicKey: Uint8Array) => number | undefined;
  /**
   * The committee a state records (the application's record, `roles/committee` on GridShard's
   * chains): the validator reads it after every block, and a new epoch begins where it changes.
   */
  readonly committeeOf: (state: ReadableState) => Committee | null;
  /** A core of the protocol for one epoch's committee. */
  readonly createCore: (request: EpochCoreRequest) => ConsensusCore<M>;
  /** `snapshot()` before a crash. */
  readonly recovered?: Uint8Array;
  /** Every `persist-signed` record made durable since that snapshot, in order. */
  readonly signedLog?: readonly Uint8Array[];
  /** Batches of an epoch the chain holds, copied from peers before the start (`EpochCoreRequest`). */
  readonly orderedThrough?: { readonly epoch: number; readonly sequence: number };
  readonly mempoolLimits?: MempoolLimits;
  readonly markerIntervalMs?: number;
}

/** Messages of the next epoch kept until this validator reaches it; more are dropped. */
export const MAX_EARLY_MESSAGES = 4096;

interface EpochRuntime<M> {
  readonly committee: Committee;
  /** This node's index in the committee, or null outside it. */
  readonly index: number | null;
  readonly validator: Validator<M> | null;
  readonly core: ConsensusCore<M> | null;
  readonly addresses: readonly (number | undefined)[];
  readonly indexOfAddress: ReadonlyMap<number, number>;
}

export class EpochValidator<M> {
  readonly mempool: Mempool;
  private readonly chain: ChainState;
  private current!: EpochRuntime<M>;
  private retired: EpochRuntime<M> | null = null;
  private early: { from: number; message: EpochMessage<M> }[] = [];
  /** Signed records of later epochs from before a restart, handed to their core at its start. */
  private futureLog: Uint8Array[];
  /** Wrapper tickets not yet durable, in order: the epoch whose validator issued each, its own ticket. */
  private readonly tickets: { runtime: EpochRuntime<M>; ticket: number }[] = [];
  private ticketsIssued = 0;
  /** Proposed in the current epoch, in no executed block yet: proposed again after a switch. */
  private proposed = new Map<string, AdmittedTransaction>();
  private started = false;
  private view: CommittedView;
  private readonly maxProposed: number;

  constructor(private readonly options: EpochValidatorOptions<M>) {
    this.chain = options.chain;
    const limits = options.mempoolLimits ?? DEFAULT_MEMPOOL_LIMITS;
    this.maxProposed = limits.maxPending;
    this.mempool = new Mempool(
      options.chain.scheme,
      { chainId: options.chain.params.chainId, shardId: options.chain.params.shardId },
      limits,
    );
    this.view = options.chain.view();
    const committee = this.committeeOf(this.view);
    const restored = options.recovered === undefined ? null : decodeEpochSnapshot(options.recovered);
    const log = (options.signedLog ?? []).map(decodeSignedRecord);
    this.futureLog = log.filter((r) => r.epoch > committee.epoch).map((r) => r.record);
    const own = log.filter((r) => r.epoch === committee.epoch).map((r) => r.record);
    const resigned = restored !== null && restored.epoch === committee.epoch && restored.resigned;
    this.current = this.runtime(
      committee,
      this.view,
      {
        ...(restored !== null && restored.epoch === committee.epoch && restored.core.length > 0
          ? { recovered: restored.core }
          : {}),
        ...(own.length === 0 ? {} : { signedLog: own }),
        ...(options.orderedThrough?.epoch === committee.epoch
          ? { orderedThrough: options.orderedThrough.sequence }
          : {}),
      },
      resigned,
    );
    if (resigned) this.resignedEpoch = committee.epoch;
  }

  get epoch(): number {
    return this.current.committee.epoch;
  }

  get committee(): Committee {
    return this.current.committee;
  }

  /** This node's index in the current committee, or null when it does not order this epoch. */
  get memberIndex(): number | null {
    return this.current.index;
  }

  /** The current epoch's consensus core (null outside the committee). */
  get core(): ConsensusCore<M> | null {
    return this.current.core;
  }

  /**
   * The cores this node runs, with their committees: the current epoch's and the retired one's
   * (whose equivocation proofs still count after the handover).
   */
  get cores(): { readonly committee: Committee; readonly core: ConsensusCore<M> }[] {
    const out: { committee: Committee; core: ConsensusCore<M> }[] = [];
    for (const runtime of [this.retired, this.current])
      if (runtime?.core) out.push({ committee: runtime.committee, core: runtime.core });
    return out;
  }

  /** The last consensus sequence the current epoch's validator executed (-1 outside the committee). */
  get lastExecutedSequence(): number {
    return this.current.validator?.lastExecutedSequence ?? -1;
  }

  /** Drops transactions past their time in the pool every epoch shares; returns how many. */
  expire(nowMs: number): number {
    return this.mempool.expire(nowMs);
  }

  /** The last durable block and the state after it. */
  get committed(): CommittedView {
    return this.view;
  }

  admit(bytes: Uint8Array, nowMs: number): AdmittedTransaction {
    const validator = this.current.validator;
    if (validator !== null) return validator.admit(bytes, nowMs);
    return this.mempool.admit(bytes, { get: (key) => this.view.getState(key) }, nowMs);
  }

  /**
   * What survives a crash: the epoch and its core's snapshot, or null while blocks or signed
   * records are in flight (try again after the next input). A validator outside the committee
   * writes only its epoch.
   */
  snapshot(): Uint8Array | null {
    const validator = this.current.validator;
    if (validator === null)
      return encodeEpochSnapshot(this.epoch, new Uint8Array(0), this.resignedEpoch === this.epoch);
    if (this.tickets.length > 0) return null;
    const core = validator.snapshot();
    return core === null ? null : encodeEpochSnapshot(this.epoch, core);
  }

  handle(input: EpochValidatorInput<M>, nowMs: number): EpochValidatorEffect<M>[] {
    const out: EpochValidatorEffect<M>[] = [];
    switch (input.kind) {
      case 'start':
        this.started = true;
        this.feedCurrent({ kind: 'start' }, nowMs, out);
        break;
      case 'message':
        this.onMessage(input.from, input.message, nowMs, out);
        break;
      case 'timer':
        this.onTimer(input.name, nowMs, out);
        break;
      case 'propose':
        for (const tx of input.transactions) this.remember(tx);
        this.feedCurrent(input, nowMs, out);
        break;
      case 'signed-durable':
        this.onSignedDurable(input.ticket, nowMs, out);
        break;
      case 'block-durable':
        this.onBlockDurable(input.height, nowMs);
        break;
    }
    return out;
  }

  /**
   * A block from a peer, for a node outside the committee (a standby, a member that left): it is
   * executed again here and must give the same block, hash for hash; a block that closes the
   * epoch starts this node's core if the next committee has it. The shell writes the block and
   * answers `block-durable` as for the node's own. The block's finality is the caller's to check
   * (its commit proof); execution checks that it follows from this node's state.
   */
  follow(block: ExecutedBlock, nowMs: number): EpochValidatorEffect<M>[] {
    if (this.current.validator !== null)
      throw new ValidatorError('NOT_A_FOLLOWER', 'a committee member executes its own order', {});
    const { header } = block;
    const expected = this.chain.executedHeader.height + 1;
    if (header.height !== expected)
      throw new ValidatorError('BLOCK_OUT_OF_ORDER', `expected block ${expected}, got ${header.height}`, {
        expected,
        height: header.height,
      });
    const executed = this.chain.execute(block.transactions, {
      timestampMs: header.timestampMs,
      epoch: header.epoch,
      randomness: header.randomness,
      evidence: header.evidence,
    });
    if (!bytesEqual(executed.hash, block.hash))
      throw new ValidatorError('BLOCK_MISMATCH', `block ${header.height} executes to another hash here`, {
        height: header.height,
      });
    const out: EpochValidatorEffect<M>[] = [
      { kind: 'write-block', block: executed, proof: new Uint8Array(0), skippedEntries: 0 },
    ];
    this.pendingFollowed.set(header.height, executed);
    if (this.committeeOf(executed.view).epoch !== this.epoch) this.switchAfter(executed, nowMs, out);
    return out;
  }

  /**
   * The node learnt that the chain is past the end of its epoch while its core still orders in it
   * (it was down across a boundary, or cut off): peers have moved to a later epoch, and nobody
   * sends an epoch's messages once it is over, so its core could wait forever. It stops ordering
   * and follows the chain's blocks instead (`follow`), up to a boundary that brings it into a
   * committee again; it never starts a core inside an epoch it ordered in, so it cannot sign twice.
   */
  resync(): void {
    if (this.current.validator === null) return;
    const committee = this.current.committee;
    // Kept as the retired one: it still answers what peers ask of its epoch, and hears of its blocks' durability.
    this.retired = this.current;
    this.early = [];
    // The committee stays the chain's; only this node's part in it is over for the epoch.
    this.current = { ...this.current, committee, index: null, validator: null, core: null };
    this.resignedEpoch = committee.epoch;
  }

  /** The epoch this node stopped ordering in by `resync` (null: none); kept in its snapshot. */
  private resignedEpoch: number | null = null;

  /** Blocks this node followed, not yet durable, by height. */
  private readonly pendingFollowed = new Map<number, ExecutedBlock>();

  private onBlockDurable(height: number, nowMs: number): void {
    const input = { kind: 'block-durable', height } as const;
    this.retired?.validator?.handle(input, nowMs);
    this.current.validator?.handle(input, nowMs);
    const candidates = [this.retired?.validator?.committed, this.current.validator?.committed];
    for (const [h, block] of this.pendingFollowed) {
      if (h > height) continue;
      this.pendingFollowed.delete(h);
      for (const hash of block.txHashes) this.mempool.committed(hash);
      candidates.push(block.view);
    }
    for (const view of candidates) {
      if (view !== undefined && view.height <= height && view.height > this.view.height) this.view = view;
    }
  }

  private onMessage(
    from: number,
    message: EpochMessage<M>,
    nowMs: number,
    out: EpochValidatorEffect<M>[],
  ): void {
    if (message.epoch === this.epoch && this.current.validator !== null) {
      const index = this.current.indexOfAddress.get(from);
      if (index !== undefined)
        this.feedCurrent({ kind: 'message', from: index, message: message.message }, nowMs, out);
      return;
    }
    if (message.epoch === this.epoch + 1) {
      if (this.early.length < MAX_EARLY_MESSAGES) this.early.push({ from, message });
      return;
    }
    const retired = this.retired;
    if (retired === null || message.epoch !== retired.committee.epoch || retired.core === null) return;
    const index = retired.indexOfAddress.get(from);
    if (index === undefined) return;
    const effects = retired.core.handle({ kind: 'message', from: index, message: message.message }, nowMs);
    // Answers only: anything that signs something new is not sent, nor are timers armed.
    if (effects.some((effect) => effect.kind === 'persist-signed')) return;
    for (const effect of effects) this.addressed(retired, effect, out);
  }

  private onTimer(name: string, nowMs: number, out: EpochValidatorEffect<M>[]): void {
    const parsed = parseTimer(name);
    if (parsed === null || parsed.epoch !== this.epoch) return;
    this.feedCurrent({ kind: 'timer', name: parsed.name }, nowMs, out);
  }

  private onSignedDurable(ticket: number, nowMs: number, out: EpochValidatorEffect<M>[]): void {
    // The front entry holds wrapper ticket ticketsIssued - tickets.length + 1.
    while (this.tickets.length > 0 && this.ticketsIssued - this.tickets.length + 1 <= ticket) {
      const { runtime, ticket: own } = this.tickets.shift()!;
      // A retired epoch's held messages go out too: what it signed before the boundary helps laggards.
      this.translate(
        runtime,
        runtime.validator!.handle({ kind: 'signed-durable', ticket: own }, nowMs),
        nowMs,
        out,
      );
    }
  }

  private feedCurrent(input: ValidatorInput<M>, nowMs: number, out: EpochValidatorEffect<M>[]): void {
    const validator = this.current.validator;
    if (validator === null || !this.started) return;
    this.translate(this.current, validator.handle(input, nowMs), nowMs, out);
  }

  /**
   * The current validator's effects for the shell. A block that closes the epoch switches to the
   * next one at once, and effects after it in the list are the closed epoch's and need nothing more.
   */
  private translate(
    runtime: EpochRuntime<M>,
    effects: readonly ValidatorEffect<M>[],
    nowMs: number,
    out: EpochValidatorEffect<M>[],
  ): void {
    const epoch = runtime.committee.epoch;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
        case 'broadcast':
          this.addressed(runtime, effect, out);
          break;
        case 'timer':
          out.push({ kind: 'timer', name: timerName(epoch, effect.name), atMs: effect.atMs });
          break;
        case 'persist-signed':
          this.ticketsIssued++;
          this.tickets.push({ runtime, ticket: effect.ticket });
          out.push({
            kind: 'persist-signed',
            records: effect.records.map((record) => encodeSignedRecord(epoch, record)),
            ticket: this.ticketsIssued,
          });
          break;
        case 'write-block':
          for (const hash of effect.block.txHashes) this.proposed.delete(toHex(hash));
          out.push(effect);
          break;
        case 'ordered': {
          const validator = runtime.validator!;
          if (validator.closedBy === null || effect.batch.sequence <= validator.lastExecutedSequence)
            out.push({ kind: 'ordered', epoch, batch: effect.batch });
          break;
        }
      }
    }
    const closing = runtime.validator?.closedBy ?? null;
    if (runtime === this.current && closing !== null) this.switchAfter(closing, nowMs, out);
  }

  /** Sends and broadcasts of one epoch's core, addressed to the nodes of that epoch. */
  private addressed(
    runtime: EpochRuntime<M>,
    effect: ConsensusEffect<M> | ValidatorEffect<M>,
    out: EpochValidatorEffect<M>[],
  ): void {
    const epoch = runtime.committee.epoch;
    if (effect.kind === 'send') {
      const to = runtime.addresses[effect.to];
      if (to !== undefined) out.push({ kind: 'send', to, message: { epoch, message: effect.message } });
    } else if (effect.kind === 'broadcast') {
      runtime.addresses.forEach((to, index) => {
        if (to !== undefined && index !== runtime.index)
          out.push({ kind: 'send', to, message: { epoch, message: effect.message } });
      });
    }
  }

  private switchAfter(closing: ExecutedBlock, nowMs: number, out: EpochValidatorEffect<M>[]): void {
    const next = this.committeeOf(closing.view);
    if (this.current.validator !== null) this.retired = this.current;
    const log = this.futureLog.map(decodeSignedRecord);
    const own = log.filter((r) => r.epoch === next.epoch).map((r) => r.record);
    this.futureLog = this.futureLog.filter((_, i) => log[i]!.epoch > next.epoch);
    this.current = this.runtime(next, closing.view, own.length === 0 ? {} : { signedLog: own });
    const validator = this.current.validator;
    if (validator === null || !this.started) {
      this.early = [];
      this.proposed.clear();
      return;
    }
    this.translate(this.current, validator.handle({ kind: 'start' }, nowMs), nowMs, out);
    const early = this.early;
    this.early = [];
    for (const { from, message } of early) this.onMessage(from, message, nowMs, out);
    const again = [...this.proposed.values()];
    if (again.length > 0) this.feedCurrent({ kind: 'propose', transactions: again }, nowMs, out);
  }

  private runtime(
    committee: Committee,
    start: CommittedView,
    restored: { recovered?: Uint8Array; signedLog?: readonly Uint8Array[]; orderedThrough?: number },
    resigned = false,
  ): EpochRuntime<M> {
    const found = committee.members.findIndex((m) => bytesEqual(m.publicKey, this.options.publicKey));
    const index = found < 0 || resigned ? null : found;
    const addresses = committee.members.map((m) => this.options.addressOf(m.publicKey));
    const indexOfAddress = new Map<number, number>();
    addresses.forEach((address, i) => {
      if (address !== undefined) indexOfAddress.set(address, i);
    });
    if (index === null) return { committee, index, validator: null, core: null, addresses, indexOfAddress };
    let core: ConsensusCore<M> | null = null;
    const validator = new Validator<M>({
      chain: this.chain,
      epoch: committee.epoch,
      mempool: this.mempool,
      ...(this.options.markerIntervalMs === undefined
        ? {}
        : { markerIntervalMs: this.options.markerIntervalMs }),
      createCore: (acceptsEntry) => {
        const state = { get: (key: Uint8Array) => start.getState(key) };
        core = this.options.createCore({ committee, index, state, acceptsEntry, ...restored });
        return core;
      },
      endsEpoch: (block) => this.committeeOf(block.view).epoch !== committee.epoch,
    });
    return { committee, index, validator, core, addresses, indexOfAddress };
  }

  private committeeOf(view: CommittedView): Committee {
    const committee = this.options.committeeOf({ get: (key) => view.getState(key) });
    if (committee === null)
      throw new RangeError('the chain records no committee: epochs need one in genesis');
    return committee;
  }

  private remember(tx: AdmittedTransaction): void {
    if (this.proposed.size >= this.maxProposed) {
      const oldest = this.proposed.keys().next().value;
      if (oldest !== undefined) this.proposed.delete(oldest);
    }
    this.proposed.set(toHex(tx.hash), tx);
  }
}

function timerName(epoch: number, name: string): string {
  return `epoch ${epoch}/${name}`;
}

function parseTimer(name: string): { epoch: number; name: string } | null {
  const match = /^epoch (\d+)\/(.*)$/s.exec(name);
  return match === null ? null : { epoch: Number(match[1]), name: match[2]! };
}

function encodeSignedRecord(epoch: number, record: Uint8Array): Uint8Array {
  return new Writer(12 + record.length).u64(epoch).bytes(record).finish();
}

function decodeSignedRecord(bytes: Uint8Array): { epoch: number; record: Uint8Array } {
  return decodeExact(bytes, (r) => ({ epoch: r.u64(), record: r.bytesField() }));
}

/**
 * The epoch, whether this node stopped ordering in it (`resync`: it must not start a core in it
 * again after a restart), and the core's own snapshot (empty outside the committee).
 */
export function encodeEpochSnapshot(epoch: number, core: Uint8Array, resigned = false): Uint8Array {
  return new Writer(13 + core.length)
    .u64(epoch)
    .u8(resigned ? 1 : 0)
    .bytes(core)
    .finish();
}

export function decodeEpochSnapshot(bytes: Uint8Array): {
  epoch: number;
  resigned: boolean;
  core: Uint8Array;
} {
  return decodeExact(bytes, (r) => ({ epoch: r.u64(), resigned: r.u8() === 1, core: r.bytesField() }));
}
