import { bytesEqual, fromHex, sha256, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { BlockHeader } from '../ledger/block.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { readCommittee, readCommitteeOfEpoch } from '../roles/committee-state.js';
import { electedCredit, electNext, type HandoverElection } from '../roles/election.js';
import { readKeySuspension } from '../roles/evidence-application.js';
import {
  handoverDueMs,
  handoverVoteKey,
  ROLES_HANDOVER,
  readEpochStart,
  readPending,
  signHandoverVote,
} from '../roles/handover.js';
import type { GenesisValidator } from './genesis-file.js';

/** A vote not on the chain this long after it was sent is sent again. */
const RESEND_MS = 5_000;
const encoder = new TextEncoder();

export interface HandoverVoterInit {
  readonly chainId: string;
  readonly shardId: number;
  /** Every node of the chain by its stable index (validators, then standby nodes). */
  readonly nodes: readonly GenesisValidator[];
  /** This node's consensus seed: it signs the vote inside the payload. */
  readonly signingSeed: Uint8Array;
  /** The state after the last durable block, and that block's header. */
  committed(): { readonly state: ReadableState; readonly header: BlockHeader };
  readBlockHeader(height: number): Promise<BlockHeader | undefined>;
  submit(bytes: Uint8Array): void;
  now(): number;
  readonly log: {
    info(fields: Record<string, unknown>, message: string): void;
    warn(fields: Record<string, unknown>, message: string): void;
  };
}

/** The election of one epoch's successor and the credit it left. */
export interface EpochElection extends HandoverElection {
  readonly epoch: number;
  /** The last block the election read: the epoch's first block at or past its due time. */
  readonly dueHeight: number;
}

/**
 * A committee member's part in the handover (docs/ROLES.md): once the chain's time reaches the
 * end of its committee's cycle, it computes the election from the chain and votes for it once.
 * Every honest member computes the same election, because everything it reads is fixed by the
 * chain: each epoch is scored over its blocks up to its **due block** (the first block whose time
 * is at or past the epoch's due time), suspensions count if a block up to the due block recorded
 * them, and running credit carries over from the epochs before, each scored the same way. A
 * standby node votes for nothing. The vote is signed with the consensus key inside the payload;
 * the envelope with a key derived from it, so its nonces never race the node's other transactions.
 */
export class HandoverVoter {
  private readonly own: OwnTransactions;
  private readonly publicKey: Uint8Array;
  private readonly nodeOfKey: Map<string, number>;
  /** Elections already computed, by epoch (the epoch's own is fixed once its due block exists). */
  private readonly elections = new Map<number, EpochElection>();
  private readonly sentAt = new Map<number, number>();
  private busy = false;

  constructor(private readonly init: HandoverVoterInit) {
    this.own = new OwnTransactions({
      seed: sha256(encoder.encode('gridshard/handover-relay/v1'), init.signingSeed),
      chainId: init.chainId,
      shardId: init.shardId,
      state: () => init.committed().state,
      submit: (bytes) => init.submit(bytes),
      now: () => init.now(),
    });
    this.publicKey = ed25519Scheme.publicKeyFromSeed(init.signingSeed);
    this.nodeOfKey = new Map(init.nodes.map((node) => [node.publicKey, node.index]));
  }

  /** The newest election this node computed (null before the first due block). */
  get latest(): EpochElection | null {
    let latest: EpochElection | null = null;
    for (const election of this.elections.values())
      if (latest === null || election.epoch > latest.epoch) latest = election;
    return latest;
  }

  /** Called after each block; the work runs in the background, one look at a time. */
  check(): void {
    if (this.busy) return;
    this.busy = true;
    this.look()
      .catch((error: unknown) => this.init.log.warn({ error: String(error) }, 'handover: could not vote'))
      .finally(() => {
        this.busy = false;
      });
  }

  /** What `check` does; resolves once any vote due is sent. */
  async look(): Promise<void> {
    const { state, header } = this.init.committed();
    const committee = readCommittee(state);
    if (committee === null || readPending(state) !== null) return;
    const dueMs = handoverDueMs(state, committee.epoch);
    if (dueMs === null || header.timestampMs < dueMs) return;
    const voter = committee.members.findIndex((m) => bytesEqual(m.publicKey, this.publicKey));
    if (voter < 0) return;
    const nextEpoch = committee.epoch + 1;
    if (state.get(handoverVoteKey(nextEpoch, voter)) !== undefined) return;
    const last = this.sentAt.get(nextEpoch);
    if (last !== undefined && this.init.now() - last < RESEND_MS) return;
    const election = await this.electionOf(committee.epoch, state, header.height);
    const members = election.election.verification.map((node) => fromHex(this.init.nodes[node]!.publicKey));
    const payload = signHandoverVote(
      this.init.signingSeed,
      this.init.chainId,
      this.init.shardId,
      voter,
      nextEpoch,
      members,
      electedCredit(election),
    );
    this.own.submit(ROLES_HANDOVER, payload);
    this.sentAt.set(nextEpoch, this.init.now());
    this.init.log.info(
      {
        epoch: nextEpoch,
        members: election.election.verification,
        replaced: election.election.replaced,
        removed: election.election.removed,
      },
      'handover: voted for the elected committee',
    );
  }

  /**
   * The election at the end of `epoch`, with the credit of every epoch before it folded in order.
   * `state` is the chain's state at `head` or later (every record read here is kept for good).
   */
  async electionOf(epoch: number, state: ReadableState, head: number): Promise<EpochElection> {
    const known = this.elections.get(epoch);
    if (known !== undefined) return known;
    const before =
      epoch === 0 ? new Map<number, number>() : (await this.electionOf(epoch - 1, state, head)).credit;
    const committee = readCommitteeOfEpoch(state, epoch);
    if (committee === null) throw new Error(`the chain records no committee of epoch ${epoch}`);
    const firstHeight = epoch === 0 ? 1 : (readEpochStart(state, epoch)?.height ?? 0) + 1;
    const next = readEpochStart(state, epoch + 1);
    const lastHeight = next === null ? head : next.height;
    const dueMs = handoverDueMs(state, epoch);
    if (dueMs === null) throw new Error('the chain sets no handover cycle');
    const dueHeight = await this.dueHeight(firstHeight, lastHeight, dueMs);
    const headers: BlockHeader[] = [];
    for (let height = firstHeight; height <= dueHeight; height++) {
      const found = await this.init.readBlockHeader(height);
      if (found === undefined) throw new Error(`block ${height} is not stored`);
      headers.push(found);
    }
    const members = committee.members.map((m) => this.nodeIndexOf(m.publicKey));
    const suspended = new Set<number>();
    for (const node of this.init.nodes) {
      const suspension = readKeySuspension(state, fromHex(node.publicKey));
      if (suspension !== undefined && suspension.height <= dueHeight) suspended.add(node.index);
    }
    const election = {
      ...electNext(
        before,
        headers.map((header) => ({ header })),
        committee,
        members,
        this.init.nodes.length,
        suspended,
      ),
      epoch,
      dueHeight,
    };
    this.elections.set(epoch, election);
    return election;
  }

  /** The first height in [from, to] whose block time is at or past `dueMs` (block times never go back). */
  private async dueHeight(from: number, to: number, dueMs: number): Promise<number> {
    let low = from;
    let high = to;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const header = await this.init.readBlockHeader(middle);
      if (header === undefined) throw new Error(`block ${middle} is not stored`);
      if (header.timestampMs >= dueMs) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  private nodeIndexOf(publicKey: Uint8Array): number {
    const node = this.nodeOfKey.get(toHex(publicKey));
    if (node === undefined) throw new Error(`committee member ${toHex(publicKey)} is no node of this chain`);
    return node;
  }

  /** Past elections by epoch, for the roles API. */
  electionOfEpoch(epoch: number): EpochElection | undefined {
    return this.elections.get(epoch);
  }
}
