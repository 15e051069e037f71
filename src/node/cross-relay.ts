import type { Committee } from '../consensus/interface.js';
import { directoryFromState, readShardCredit, voteEpochRetired } from '../cross-zone/directory.js';
import { readTradeRecord } from '../cross-zone/state-book.js';
import { CROSS_DECIDE, CROSS_EXPIRE, CROSS_PREPARE } from '../cross-zone/trade-application.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../crypto/ed25519.js';
import { bytesEqual, fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { ReadableState } from '../ledger/state-interface.js';
import type { StoredBlock } from '../ledger/store.js';
import { decodeTransaction } from '../ledger/transaction.js';
import { readCommittee, readCommitteeOfEpoch } from '../roles/committee-state.js';
import { readHandoverCertificate } from '../roles/handover.js';
import {
  type CrossTrade,
  decodeTrade,
  decodeVoteShare,
  drawMasters,
  drawMastersByCredit,
  encodeDecision,
  encodeTrade,
  encodeVoteShare,
  legOf,
  MasterDesk,
  type ShardDirectory,
  signVote,
  tradeId,
  tradeOpen,
  type VoteShare,
  type VoteStatement,
  verifyVoteShare,
} from '../sharding/index.js';
import type { GenesisFile } from './genesis-file.js';
import type { ShardingGenesisJson } from './genesis-sharding.js';
import { fallbackBeacon, type RootBeacon } from './master-beacon.js';

/** How often the relay looks at what it still has to send. */
export const RELAY_TICK_MS = 500;
/** A vote share goes again (to the shard's next master in the draw) after this long without a decision. */
const RESEND_MS = 1500;
/** Votes that locked nothing are sent this many times; the locked shards' resends bring them back if lost. */
const CLOSED_SENDS = 3;
/** A master submits a decision it holds again when votes keep arriving this long after. */
const RESUBMIT_MS = 3000;
/** Blocks a restarted relay looks back over for trades its shard still holds locked. */
export const RESUME_BLOCKS = 4096;
/** A beacon the root chain could not give yet is asked for again after this long. */
const BEACON_RETRY_MS = 5000;
/** Trades a master keeps desks for; beyond it the oldest are forgotten (their shards resend). */
const MAX_DESKS = 4096;

export interface CrossRelayInit {
  readonly genesis: GenesisFile & { readonly sharding: ShardingGenesisJson };
  /** The validator's consensus key: it signs this shard's votes while its committee holds the key. */
  readonly signingSeed: Uint8Array;
  readonly store: {
    readonly head: { readonly height: number };
    getState(key: Uint8Array): Uint8Array | undefined;
    readBlock(height: number): Promise<StoredBlock | undefined>;
    readTransaction(hash: Uint8Array): Promise<{ bytes: Uint8Array } | undefined>;
  };
  /** Admits a transaction into this validator's mempool (throws a typed error if refused). */
  readonly submit: (bytes: Uint8Array) => unknown;
  /** POSTs a JSON body to a peer's API path; rejects on any failure. */
  readonly post: (api: string, path: string, body: object) => Promise<void>;
  readonly now: () => number;
  readonly log: { warn(fields: object, message: string): void };
  /** The root chain's coin per cycle; without it every cycle uses the public fallback order. */
  readonly beacon?: RootBeacon;
}

interface Pending {
  readonly trade: CrossTrade;
  readonly id: string;
  /** What this shard recorded for the trade: each send signs it in the committee of the moment. */
  readonly statement: Omit<VoteStatement, 'epoch'>;
  readonly locked: boolean;
  sends: number;
  lastSentMs: number;
}

/** The cycle at `atMs`: masters are drawn per cycle. */
export function cycleAt(
  genesis: Pick<GenesisFile, 'genesisTimeMs'> & { readonly sharding: ShardingGenesisJson },
  atMs: number,
): number {
  return Math.max(0, Math.floor((atMs - genesis.genesisTimeMs) / genesis.sharding.cycleMs));
}

/**
 * The master order of `shard` for `cycle` (committee indices), drawn from `beacon`: the root
 * chain's coin for that cycle (master-beacon.ts), or, while none is known, the public fallback,
 * which anyone can foresee and which only routes votes (any validator certifies them), so it costs
 * at worst a delay. With the credit the committee was elected with, each draw picks a member with
 * probability its share of the credit (`drawMastersByCredit`), members without credit last;
 * without it (genesis's committee, which no election scored) every member is as likely.
 */
export function mastersOfCycle(
  genesis: Pick<GenesisFile, 'chainId'> & { readonly sharding: ShardingGenesisJson },
  cycle: number,
  shard: number,
  beacon: Uint8Array | null = null,
  committeeSize = genesis.sharding.shards[shard]?.validators.length ?? 0,
  credit: readonly number[] | null = null,
): number[] {
  const members = Array.from({ length: committeeSize }, (_, i) => i);
  const seed = beacon ?? fallbackBeacon(genesis);
  if (credit === null || credit.length !== committeeSize) return drawMasters(seed, cycle, shard, members);
  const weighted = drawMastersByCredit(
    seed,
    cycle,
    shard,
    members,
    new Map(credit.map((value, i) => [i, value])),
  );
  // Members without credit are never drawn ahead of one with some, but stay last in the order, so
  // that a vote can still reach every member when all the credited ones are silent.
  const drawn = new Set(weighted);
  const rest = members.filter((i) => !drawn.has(i));
  return rest.length === 0 ? weighted : [...weighted, ...drawMasters(seed, cycle, shard, rest)];
}

/**
 * The credit `committee` (of `shard`, as `latestShardCommittee` found it) was elected with, by
 * member index: for this chain's own shard from its handover certificate, for another from the
 * record of the handover this chain kept. Null for genesis's committee, which no election scored.
 */
export function shardCreditOf(state: ReadableState, committee: Committee): number[] | null {
  if (committee.epoch === 0) return null;
  const own = readCommittee(state);
  if (own !== null && own.shardId === committee.shardId)
    return readHandoverCertificate(state, committee.epoch)?.credit.slice() ?? null;
  return readShardCredit(state, committee.shardId, committee.epoch);
}

/**
 * The committee of `shard` a chain knows last: for its own shard the one serving now (its state's
 * `roles/committee`), for another the newest that its chain recorded from a proven handover
 * (src/cross-zone/committee-application.ts), genesis's until one is.
 */
export function latestShardCommittee(
  state: ReadableState,
  shard: number,
  /** Per shard, the newest epoch found before: records only grow, so the search goes on from there. */
  known?: Map<number, number>,
): Committee | undefined {
  const own = readCommittee(state);
  if (own !== null && own.shardId === shard) return own;
  const directory = directoryFromState(state);
  if (directory === null) return undefined;
  let epoch = known?.get(shard) ?? 0;
  let committee = directory.committee(shard, epoch);
  if (committee === undefined) {
    epoch = 0;
    committee = directory.committee(shard, 0);
  }
  for (
    let next = directory.committee(shard, epoch + 1);
    next !== undefined;
    next = directory.committee(shard, epoch + 1)
  ) {
    epoch++;
    committee = next;
  }
  known?.set(shard, epoch);
  return committee;
}

/** The route a validator's vote share is sent to, on any validator acting as master. */
export const SHARES_PATH = '/api/v1/cross/shares';

/** The API of a zone shard's node by its key: a validator of genesis, or one of the shard's standby nodes. */
export function apiOfShardMember(
  sharding: ShardingGenesisJson,
  shard: number,
  publicKey: Uint8Array,
): string | undefined {
  const entry = sharding.shards[shard];
  const hex = toHex(publicKey);
  return [...(entry?.validators ?? []), ...(entry?.standby ?? [])].find((m) => m.publicKey === hex)?.api;
}

/**
 * A zone shard validator's part of the cross-zone protocol, beside its consensus:
 *
 * - after each block it writes, it signs its vote on every prepare the block executed (the
 *   statement its own state recorded) and sends the share to the masters of the trade's shards,
 *   again every RESEND_MS to the next master in each shard's draw until its shard applies the
 *   decision, so a silent or lying master is replaced;
 * - as a master (any committee member that receives shares), it certifies each shard's vote at 2f + 1
 *   equal shares and, once the votes settle the trade, submits the decision to its own shard,
 *   signed with its own key: the decision's votes are its proof, the sender is only who pays;
 * - as a master of a shard that never prepared a trade whose cycles are over, it asks its shard
 *   to expire it (an abort vote), so the shards that locked for it release.
 *
 * Safety never rests on this relay: a decision counts only if its certified votes prove it
 * (src/sharding/cross-decision.ts), whoever carries it.
 */
export class CrossZoneRelay {
  readonly desk: MasterDesk;
  private readonly directory: ShardDirectory;
  private readonly pending = new Map<string, Pending>();
  private readonly submittedAt = new Map<string, number>();
  private readonly key;
  /** Decisions and expiries this validator carries into its shard, signed with its own key. */
  private readonly own: OwnTransactions;
  private timer: NodeJS.Timeout | null = null;
  private readonly beaconTriedAt = new Map<number, number>();
  /** Whether this node was in its shard's committee at the last block (null: not looked yet). */
  private member: boolean | null = null;
  /** Per shard, the newest committee epoch found on this chain (latestShardCommittee's hint). */
  private readonly latestEpochs = new Map<number, number>();

  constructor(private readonly init: CrossRelayInit) {
    // The committees this shard's chain knows, read at each use: a zone shard's handover, once
    // recorded, counts from the next share on.
    this.directory = {
      committee: (shard, epoch) =>
        directoryFromState(this.state)?.committee(shard, epoch) ?? this.ownCommittee(shard, epoch),
      retired: (shard, epoch) => voteEpochRetired(this.state, shard, epoch),
    };
    this.desk = new MasterDesk(this.directory);
    this.key = ed25519PrivateKeyObject(init.signingSeed);
    this.own = new OwnTransactions({
      seed: init.signingSeed,
      chainId: init.genesis.chainId,
      shardId: init.genesis.shardId,
      state: () => this.state,
      submit: init.submit,
      now: init.now,
    });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), RELAY_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get shardId(): number {
    return this.init.genesis.shardId;
  }

  /** The cycle at `atMs`: masters are drawn per cycle. */
  cycleAt(atMs: number): number {
    return cycleAt(this.init.genesis, atMs);
  }

  /**
   * The masters of `shard` for `cycle`, in draw order: the keys of the members of the shard's
   * latest committee this chain knows, drawn by the credit they were elected with.
   */
  mastersOf(cycle: number, shard: number): Uint8Array[] {
    const committee = latestShardCommittee(this.state, shard, this.latestEpochs);
    if (committee === undefined) return [];
    const order = mastersOfCycle(
      this.init.genesis,
      cycle,
      shard,
      this.init.beacon?.known(cycle) ?? null,
      committee.members.length,
      shardCreditOf(this.state, committee),
    );
    return order.map((i) => committee.members[i]!.publicKey);
  }

  /** This shard's own committee of `epoch`, from its state's record of its handovers. */
  private ownCommittee(shard: number, epoch: number): Committee | undefined {
    if (shard !== this.shardId) return undefined;
    const current = readCommittee(this.state);
    if (current === null || current.epoch < epoch) return undefined;
    return current.epoch === epoch ? current : (readCommitteeOfEpoch(this.state, epoch) ?? undefined);
  }

  /** The committee this validator signs votes in now, and its index there; null outside it. */
  private signingPlace(): { committee: Committee; index: number } | null {
    const committee = readCommittee(this.state);
    if (committee === null) return null;
    const index = committee.members.findIndex((m) => bytesEqual(m.publicKey, this.own.signer.publicKey));
    return index < 0 ? null : { committee, index };
  }

  /** Looks up this cycle's and the next one's beacons in the background (each once found). */
  private lookUpBeacons(now: number): void {
    const beacon = this.init.beacon;
    if (beacon === undefined) return;
    const cycle = this.cycleAt(now);
    // The next cycle's beacon is sought only in the second half of this one: it needs a root
    // block of this cycle, and every zone validator asks the root validators for it.
    const { genesisTimeMs, sharding } = this.init.genesis;
    const late = now - (genesisTimeMs + cycle * sharding.cycleMs) >= sharding.cycleMs / 2;
    for (const c of late ? [cycle, cycle + 1] : [cycle]) {
      if (beacon.known(c) !== null || now - (this.beaconTriedAt.get(c) ?? -Infinity) < BEACON_RETRY_MS)
        continue;
      this.beaconTriedAt.set(c, now);
      for (const old of this.beaconTriedAt.keys()) if (old < cycle) this.beaconTriedAt.delete(old);
      beacon.resolve(c).catch((error: Error) => {
        this.init.log.warn(
          { cycle: c, error: error.message },
          'the root chain could not give a master beacon',
        );
      });
    }
  }

  /**
   * After a restart: votes again on the prepares of the last RESUME_BLOCKS blocks whose trades
   * the shard still holds locked (a shard waiting on a trade closed here is answered by `echo`). What the relay had still to send lived in memory only; without
   * this, a shard whose validators all restarted would keep those locks until a decision came
   * from elsewhere, and none would, since no vote of this shard would be sent. Trades decided
   * since are skipped by `vote`.
   */
  async resume(): Promise<number> {
    this.member = this.signingPlace() !== null;
    const head = this.init.store.head.height;
    let resumed = 0;
    for (let height = Math.max(1, head - RESUME_BLOCKS + 1); height <= head; height++) {
      const block = await this.init.store.readBlock(height);
      if (block !== undefined) resumed += await this.blockWritten(block, true);
    }
    return resumed;
  }

  /**
   * Votes on the prepares a written block executed; returns how many votes it started sending. A
   * node that has just joined its shard's committee first votes on the trades its shard still holds
   * locked (as after a restart): votes on them may now need it to reach a quorum.
   */
  async blockWritten(block: StoredBlock, lockedOnly = false): Promise<number> {
    let voted = 0;
    if (!lockedOnly) {
      const member = this.signingPlace() !== null;
      const joined = member && this.member === false;
      this.member = member;
      if (joined) voted += await this.resume();
    }
    for (const [i, hash] of block.txHashes.entries()) {
      if (block.receipts[i]?.ok !== true) continue;
      const located = await this.init.store.readTransaction(hash);
      if (located === undefined) continue;
      const tx = decodeTransaction(located.bytes, ed25519Scheme);
      if (tx.type !== CROSS_PREPARE && tx.type !== CROSS_EXPIRE) continue;
      const trade = decodeTrade(tx.payload);
      if (trade.legs.length < 2) continue;
      if (this.vote(trade, lockedOnly)) voted++;
    }
    return voted;
  }

  private vote(trade: CrossTrade, lockedOnly = false): boolean {
    const id = toHex(tradeId(trade));
    if (this.pending.has(id)) return false;
    const record = readTradeRecord(this.state, id);
    // Unknown, or decided already (a block replayed while catching up): nothing to vote for.
    // Resuming, only the locks matter: a shard still waiting on a closed trade is answered by `echo`.
    if (record === undefined || (record.verdict.kind === 'commit' && record.status !== 'locked'))
      return false;
    if (lockedOnly && record.status !== 'locked') return false;
    if (this.signingPlace() === null) return false;
    const statement = {
      chainId: trade.chainId,
      tradeId: fromHex(id),
      shard: this.shardId,
      verdict: record.verdict,
    };
    const pending = { trade, id, statement, locked: record.status === 'locked', sends: 0, lastSentMs: 0 };
    this.pending.set(id, pending);
    this.send(pending);
    return true;
  }

  private get state() {
    return { get: (key: Uint8Array) => this.init.store.getState(key) };
  }

  /** Signs this shard's vote in the committee serving now; null once this validator is not in it. */
  private share(statement: Omit<VoteStatement, 'epoch'>): VoteShare | null {
    const place = this.signingPlace();
    if (place === null) return null;
    return signVote({ ...statement, epoch: place.committee.epoch }, place.index, (m) =>
      ed25519Sign(this.key, m),
    );
  }

  private send(pending: Pending): void {
    const share = this.share(pending.statement);
    // Handed over out of the committee: the members of the new one vote in its place.
    if (share === null) {
      this.pending.delete(pending.id);
      return;
    }
    const body = { trade: toHex(encodeTrade(pending.trade)), share: toHex(encodeVoteShare(share)) };
    const { sharding } = this.init.genesis;
    for (const leg of pending.trade.legs) {
      const order = this.mastersOf(pending.trade.cycle, leg.shard);
      const master = order[pending.sends % order.length];
      if (master === undefined) continue;
      if (leg.shard === this.shardId && bytesEqual(master, this.own.signer.publicKey)) {
        this.receive(pending.trade, share);
        continue;
      }
      const api = apiOfShardMember(sharding, leg.shard, master);
      if (api === undefined) continue;
      this.init.post(api, SHARES_PATH, body).catch(() => {
        // Lost: the next resend goes to the next master in the draw.
      });
    }
    pending.sends++;
    pending.lastSentMs = this.init.now();
  }

  /** What the timer runs every RELAY_TICK_MS: resends, and beacons looked up (a simulator calls it on virtual time). */
  tick(): void {
    const now = this.init.now();
    this.lookUpBeacons(now);
    for (const pending of this.pending.values()) {
      const status = readTradeRecord(this.state, pending.id)?.status;
      const done = pending.locked ? status !== 'locked' : pending.sends >= CLOSED_SENDS;
      if (done) {
        this.pending.delete(pending.id);
        if (status !== 'locked') this.desk.forget(pending.id);
        continue;
      }
      if (now - pending.lastSentMs >= RESEND_MS) this.send(pending);
    }
  }

  /**
   * A vote share from a validator of a shard of the trade. Returns false for one the desk refused
   * (a bad signature, a share for another trade) or a trade with no leg in this shard.
   */
  receiveShare(tradeHex: string, shareHex: string): boolean {
    const trade = decodeTrade(fromHex(tradeHex));
    const share = decodeVoteShare(fromHex(shareHex));
    if (legOf(trade, this.shardId) === undefined || trade.chainId !== this.init.genesis.chainId) return false;
    return this.receive(trade, share);
  }

  private receive(trade: CrossTrade, share: VoteShare): boolean {
    const id = toHex(tradeId(trade));
    const status = readTradeRecord(this.state, id)?.status;
    // Another shard locked for a trade this one never prepared, and its cycle is over: ask this
    // shard to close it with an abort vote, so the other's locks are released.
    if (status === undefined && !tradeOpen(trade, this.cycleAt(this.init.now()))) {
      if (this.due(`expire/${id}`)) this.submitOwn(`expire/${id}`, CROSS_EXPIRE, encodeTrade(trade));
    }
    // Closed in this shard. The shard that sent the share still waits: this validator's own vote
    // may have been lost (abort votes are sent a few times only; a decided trade's votes stop), so
    // it sends it again to that shard's validators, once the share proves to be theirs.
    if (status === 'committed' || status === 'aborted') {
      this.desk.forget(id);
      this.echo(trade, id, share);
      return true;
    }
    const answer = this.desk.receive(trade, share);
    if (answer === null) return false;
    // A committee member can sign shares for trades that never close; the oldest desks go first.
    while (this.desk.size > MAX_DESKS) this.desk.forget(this.desk.tradeIds().next().value!);
    if (answer.decision === null) return true;
    if (answer.fresh || this.due(`decide/${id}`))
      this.submitOwn(`decide/${id}`, CROSS_DECIDE, encodeDecision(answer.decision));
    return true;
  }

  private echo(trade: CrossTrade, id: string, share: VoteShare): void {
    const from = share.statement.shard;
    const key = `echo/${id}/${from}`;
    if (from === this.shardId || legOf(trade, from) === undefined || !this.due(key)) return;
    const committee = this.directory.committee(from, share.statement.epoch);
    try {
      if (committee === undefined || share.statement.chainId !== trade.chainId) return;
      if (toHex(share.statement.tradeId) !== id) return;
      verifyVoteShare(share, committee);
    } catch {
      return;
    }
    const record = readTradeRecord(this.state, id);
    if (record === undefined) return;
    const mine = this.share({
      chainId: trade.chainId,
      tradeId: fromHex(id),
      shard: this.shardId,
      verdict: record.verdict,
    });
    if (mine === null) return;
    const body = { trade: toHex(encodeTrade(trade)), share: toHex(encodeVoteShare(mine)) };
    const waiting = this.init.genesis.sharding.shards[from];
    for (const node of [...(waiting?.validators ?? []), ...(waiting?.standby ?? [])])
      this.init.post(node.api, SHARES_PATH, body).catch(() => {
        // Lost: the waiting shard's next share asks again.
      });
    this.submittedAt.set(key, this.init.now());
  }

  /** Whether what `key` names was not submitted within RESUBMIT_MS. */
  private due(key: string): boolean {
    const last = this.submittedAt.get(key);
    return last === undefined || this.init.now() - last >= RESUBMIT_MS;
  }

  /**
   * Signs a transaction of this validator's own and puts it in its mempool. A node outside the
   * committee (a standby, a member that left) submits nothing: the members receive the same shares
   * and carry each decision and expiry themselves, while a standby's copies would only reach the
   * chain through gossip, where every stand-in proposer may order one more copy, and a standby
   * whose state lags would ask to expire trades its shard has long prepared.
   */
  private submitOwn(key: string, type: string, payload: Uint8Array): void {
    if (this.member === false) return;
    if (this.submittedAt.size >= MAX_DESKS) this.submittedAt.delete(this.submittedAt.keys().next().value!);
    // Marked before the attempt: a refused one is tried again after RESUBMIT_MS, not on every share.
    this.submittedAt.set(key, this.init.now());
    try {
      this.own.submit(type, payload);
    } catch (error) {
      this.init.log.warn(
        { what: key, error: (error as Error).message },
        'could not submit a cross-zone transaction',
      );
    }
  }
}
