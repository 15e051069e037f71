import { type EquivocationProof, verifyEquivocationProof } from '../consensus/dag/index.js';
import type { Committee } from '../consensus/interface.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { decodeTransaction } from '../ledger/transaction.js';
import { equivocationOf, ROLES_EQUIVOCATION } from '../roles/evidence-application.js';
import { CreditError } from '../sharding/credit-errors.js';
import {
  acknowledgedVertices,
  CREDIT_SCALE,
  type CreditTally,
  type CreditWeights,
  carryCredit,
  creditScores,
  DEFAULT_CREDIT_CARRY,
  DEFAULT_CREDIT_WEIGHTS,
  type Equivocation,
  equivocator,
  type OrderedVertex,
  orderedVertexOf,
  tallyCycle,
} from '../sharding/index.js';
import { batchEntries, decodeBlockEvidence, decodeBlockProof } from '../validator/evidence.js';

/** What a credit audit reads of a chain: headers' time and evidence, and blocks' transactions. */
export interface AuditChain {
  /** The newest block's height. */
  readonly head: number;
  /** The chain's signature scheme, to read its transactions. */
  readonly scheme: SignatureScheme;
  /**
   * The node's own chain, whose certificates its consensus (or, on a common node, the follower)
   * checked before the blocks were written: read without checking them again. An auditor reading
   * a chain it was handed leaves this out.
   */
  readonly trusted?: boolean;
  /** The block's batch quorum proofs (validator/evidence.ts), kept beside it; undefined if none. */
  batchProofs(height: number): Promise<Uint8Array | undefined>;
  block(height: number): Promise<{
    readonly timestampMs: number;
    readonly evidence: Uint8Array;
    /** When known: a block without transactions holds no equivocation proof. */
    readonly txCount?: number;
  }>;
  /** The block's transactions as canonical bytes, in block order. */
  transactions(height: number): Promise<Uint8Array[]>;
}

/** When cycles start: cycle n covers [genesisTimeMs + n·cycleMs, genesisTimeMs + (n + 1)·cycleMs). */
export interface CycleClock {
  readonly genesisTimeMs: number;
  readonly cycleMs: number;
}

export interface CycleAudit {
  readonly cycle: number;
  /** Blocks whose time falls in the cycle (none: `fromHeight` > `toHeight`). */
  readonly fromHeight: number;
  readonly toHeight: number;
  /** The DAG rounds the cycle is scored over. */
  readonly firstRound: number;
  readonly lastRound: number;
  /** Certified vertices the chain recorded for those rounds, each certificate checked. */
  readonly vertices: number;
  readonly tallies: readonly CreditTally[];
  /**
   * False when the chain ordered no new round in the cycle (its block time stood still: nobody
   * sent anything): there is nothing to score, and running credit stays as it was.
   */
  readonly scored: boolean;
  /** Score of the cycle per validator, 0 … CREDIT_SCALE (all 0 when not scored). */
  readonly scores: readonly number[];
  readonly suspended: readonly number[];
}

/**
 * One cycle as the ledger stands right after auditing it: the audit, and every member's running
 * credit and suspension through that cycle (a later cycle's audit moves them on).
 */
export interface AuditedCycle {
  readonly audit: CycleAudit;
  /** Running credit per member, in committee order (as `scores`). */
  readonly credit: readonly number[];
  /** Members proven to have equivocated in this cycle or an earlier one. */
  readonly suspended: readonly number[];
}

/** The first height whose block time is at or after `timeMs` (head + 1 when none is). */
async function firstBlockAtOrAfter(chain: AuditChain, timeMs: number): Promise<number> {
  let low = 1;
  let high = chain.head + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await chain.block(middle)).timestampMs >= timeMs) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The highest round recorded in a block's evidence (0 when it records none). */
async function highestRound(chain: AuditChain, height: number): Promise<number> {
  const evidence = decodeBlockEvidence((await chain.block(height)).evidence);
  let round = 0;
  for (const batch of evidence.batches) round = Math.max(round, batch.round);
  return round;
}

/**
 * The vertices a block's evidence records; on a chain that is not trusted, each batch's
 * certificate (from the block's batch proofs) is checked against the committee first.
 */
async function verticesOf(chain: AuditChain, height: number, committee: Committee): Promise<OrderedVertex[]> {
  const evidence = decodeBlockEvidence((await chain.block(height)).evidence);
  const verify = chain.trusted !== true;
  // Rebuilding each batch is needed only to check its certificate; a trusted chain skips both.
  const entries = verify
    ? batchEntries(evidence, await chain.transactions(height))
    : evidence.batches.map(() => []);
  if (entries === null)
    throw new CreditError(
      'BAD_CREDIT_EVIDENCE',
      `block ${height}: evidence does not account for its transactions`,
      {
        height,
      },
    );
  let proofs: Uint8Array[] | null = null;
  if (verify) {
    const bytes = await chain.batchProofs(height);
    try {
      if (bytes === undefined) throw new Error('none is kept');
      proofs = decodeBlockProof(bytes);
      if (proofs.length !== evidence.batches.length) throw new Error('one per batch is not there');
    } catch (error) {
      throw new CreditError(
        'BAD_CREDIT_EVIDENCE',
        `block ${height}: batch proofs: ${(error as Error).message}`,
        {
          height,
        },
      );
    }
  }
  return evidence.batches.map((batch, i) =>
    orderedVertexOf(
      {
        sequence: batch.sequence,
        round: batch.round,
        proposer: batch.proposer,
        evidence: batch.certificate,
        ...(proofs === null ? {} : { proof: proofs[i]! }),
        transactions: entries[i]!,
      },
      committee,
      verify,
    ),
  );
}

/**
 * The equivocations a block records: its `roles.equivocation` transactions whose proof verifies
 * against the committee. One that does not was refused by the contract and proves nothing.
 */
export async function equivocationsIn(
  chain: AuditChain,
  height: number,
  committee: Committee,
): Promise<Equivocation[]> {
  const out: Equivocation[] = [];
  if ((await chain.block(height)).txCount === 0) return out;
  for (const bytes of await chain.transactions(height)) {
    let proof: EquivocationProof;
    try {
      const tx = decodeTransaction(bytes, chain.scheme);
      if (tx.type !== ROLES_EQUIVOCATION) continue;
      proof = equivocationOf(tx.payload);
    } catch {
      continue;
    }
    if (verifyEquivocationProof(committee, proof)) out.push({ kind: 'headers', proof });
  }
  return out;
}

/**
 * Scores one closed cycle from the chain alone. The blocks of a cycle are those whose time falls
 * in it. Its rounds end one below the highest round ordered in it: a committed leader's history
 * holds the rounds below the leader's own, while the leader's peers of the same round are ordered
 * with the next leader, after the cycle. So cycle N scores rounds [B(N−1), B(N) − 1], B(N) being the
 * highest round ordered by the end of cycle N, and reads the vertices of those rounds from its
 * own blocks, the last blocks before it (the previous cycle's last leader) and the first block
 * after it (what the next leader ordered late). Every batch read has its certificate checked
 * against the committee (the batch rebuilt from the block), so a vertex without transactions
 * counts as much as one with them. A vertex ordered later still is counted in no cycle. Refused
 * with CYCLE_NOT_CLOSED while no block of a later cycle exists.
 */
export async function auditCycle(
  chain: AuditChain,
  committee: Committee,
  clock: CycleClock,
  cycle: number,
  weights: CreditWeights = DEFAULT_CREDIT_WEIGHTS,
): Promise<CycleAudit> {
  if (!Number.isSafeInteger(cycle) || cycle < 0)
    throw new CreditError('BAD_CREDIT_EVIDENCE', `cycle ${cycle} is not a whole number ≥ 0`, { cycle });
  const start = clock.genesisTimeMs + cycle * clock.cycleMs;
  const from = await firstBlockAtOrAfter(chain, start);
  const to = (await firstBlockAtOrAfter(chain, start + clock.cycleMs)) - 1;
  if (to >= chain.head)
    throw new CreditError('CYCLE_NOT_CLOSED', `cycle ${cycle} is not over on this chain yet`, {
      cycle,
      head: chain.head,
    });
  const n = committee.members.length;
  const read: OrderedVertex[] = [];
  // Later leaders have higher rounds, so the block just before the cycle holds B(N − 1).
  const firstRound = from > 1 ? Math.max(1, await highestRound(chain, from - 1)) : 1;
  for (let h = from - 1; h >= 1; h--) {
    const vertices = await verticesOf(chain, h, committee);
    read.push(...vertices);
    if (vertices.every((v) => v.round < firstRound)) break;
  }
  let highest = firstRound;
  const equivocations: Equivocation[] = [];
  for (let height = from; height <= to; height++) {
    const vertices = await verticesOf(chain, height, committee);
    for (const v of vertices) highest = Math.max(highest, v.round);
    read.push(...vertices);
    equivocations.push(...(await equivocationsIn(chain, height, committee)));
  }
  read.push(...(await verticesOf(chain, to + 1, committee)));
  const lastRound = highest - 1;
  // Acknowledgements come from every vertex read, the later rounds' included.
  const vertices = acknowledgedVertices(read, n).filter((v) => v.round >= firstRound && v.round <= lastRound);
  const where = { cycle, fromHeight: from, toHeight: to, firstRound, lastRound };
  if (lastRound < firstRound) {
    // The cycle ordered no new round: nothing to score (a proven equivocator is suspended all
    // the same).
    const suspended = [...new Set(equivocations.map((e) => equivocator(e, n)))].sort((a, b) => a - b);
    return {
      ...where,
      vertices: 0,
      tallies: [],
      scored: false,
      scores: new Array<number>(n).fill(0),
      suspended,
    };
  }
  const evidence = { committeeSize: n, firstRound, lastRound, vertices, equivocations };
  const scored = creditScores(evidence, weights);
  return {
    ...where,
    vertices: vertices.length,
    tallies: tallyCycle(evidence),
    scored: true,
    scores: committee.members.map((_, i) => scored.scores.get(i) ?? 0),
    suspended: [...scored.suspended].sort((a, b) => a - b),
  };
}

/** The cycle a time falls in (negative before genesis). */
export function cycleAt(clock: CycleClock, timeMs: number): number {
  return Math.floor((timeMs - clock.genesisTimeMs) / clock.cycleMs);
}

/**
 * Running credit after each closed cycle, from genesis on: every node starts at half the scale and
 * moves toward each cycle's score (`carryCredit`). Keeps what it computed, so a caller that asks
 * again after new blocks only audits the cycles closed since.
 */
export class CreditLedger {
  /** The next cycle to audit: every cycle before it is audited (or had no block, so nothing to score). */
  private next = 0;
  private latest: CycleAudit | null = null;
  private credit = new Map<number, number>();
  private closed = 0;
  /** Suspension is for good: a proven equivocator's credit stays 0 in every later cycle. */
  private readonly suspended = new Set<number>();

  constructor(
    private readonly committee: Committee,
    private readonly clock: CycleClock,
    private readonly weights: CreditWeights = DEFAULT_CREDIT_WEIGHTS,
    private readonly carry: number = DEFAULT_CREDIT_CARRY,
  ) {}

  /**
   * Audits the cycles closed on `chain` that are not audited yet, oldest first and at most
   * `maxCycles` of them (a caller answering a request bounds its work; the rest waits for the
   * next call); returns the newest audit. Cycles without a block of their own hold nothing to
   * score and are passed over at once, however many (a chain idle for a day, or one whose genesis
   * time lies long before its first block). `onAudited` hears of each cycle audited, in cycle
   * order, once the ledger holds it; cycles passed over have no audit and are not told.
   */
  async update(
    chain: AuditChain,
    maxCycles = Number.POSITIVE_INFINITY,
    onAudited?: (cycle: AuditedCycle) => void,
  ): Promise<CycleAudit | null> {
    if (chain.head < 1) return this.latest;
    const closedThrough = cycleAt(this.clock, (await chain.block(chain.head)).timestampMs) - 1;
    this.closed = Math.max(this.closed, closedThrough + 1);
    for (let done = 0; this.next <= closedThrough && done < maxCycles; done++) {
      const start = this.clock.genesisTimeMs + this.next * this.clock.cycleMs;
      const from = await firstBlockAtOrAfter(chain, start);
      const firstBusy =
        from > chain.head ? closedThrough + 1 : cycleAt(this.clock, (await chain.block(from)).timestampMs);
      if (firstBusy > this.next) {
        this.next = Math.min(firstBusy, closedThrough + 1);
        continue;
      }
      const audit = await auditCycle(chain, this.committee, this.clock, this.next, this.weights);
      this.next++;
      this.latest = audit;
      for (const member of audit.suspended) this.suspended.add(member);
      const scores = audit.scored ? new Map(audit.scores.map((score, i) => [i, score] as const)) : new Map();
      this.credit = carryCredit(this.credit, { scores, suspended: this.suspended }, this.carry);
      onAudited?.({
        audit,
        credit: this.committee.members.map((m) => this.creditOf(m.index)),
        suspended: this.suspendedMembers,
      });
    }
    return this.latest;
  }

  /** The newest cycle audited that had blocks, or null before the first. */
  get last(): CycleAudit | null {
    return this.latest;
  }

  /** Cycles the chain had closed when last looked at; `auditedCycles` trails it while catching up. */
  get closedCycles(): number {
    return this.closed;
  }

  /** Members proven to have equivocated in the cycles audited so far. */
  get suspendedMembers(): readonly number[] {
    return [...this.suspended].sort((a, b) => a - b);
  }

  /** Credit per validator after the cycles audited so far (half the scale before any). */
  creditOf(validator: number): number {
    return this.credit.get(validator) ?? CREDIT_SCALE / 2;
  }

  /** Cycles audited or passed over (no block of their own) so far. */
  get auditedCycles(): number {
    return this.next;
  }
}

/**
 * A ledger store as an audit reads it; `head` is fixed when the view is taken. `trusted` for the
 * node's own store (see `AuditChain.trusted`).
 */
export function storeAuditChain(
  store: {
    readonly head: { readonly height: number };
    readonly scheme: SignatureScheme;
    readBlock(
      height: number,
    ): Promise<
      | { header: { timestampMs: number; evidence: Uint8Array; txCount: number }; txHashes: Uint8Array[] }
      | undefined
    >;
    readTransaction(hash: Uint8Array): Promise<{ bytes: Uint8Array } | undefined>;
    readBatchProofs(height: number): Promise<Uint8Array | undefined>;
  },
  trusted = false,
): AuditChain {
  const head = store.head.height;
  const read = async (height: number) => {
    const block = height <= head ? await store.readBlock(height) : undefined;
    if (block === undefined)
      throw new CreditError('BAD_CREDIT_EVIDENCE', `block ${height} is missing from the store`, { height });
    return block;
  };
  return {
    head,
    scheme: store.scheme,
    trusted,
    block: async (height) => (await read(height)).header,
    batchProofs: (height) => store.readBatchProofs(height),
    transactions: async (height) => {
      const out: Uint8Array[] = [];
      for (const hash of (await read(height)).txHashes) {
        const located = await store.readTransaction(hash);
        if (located === undefined)
          throw new CreditError('BAD_CREDIT_EVIDENCE', `a transaction of block ${height} is missing`, {
            height,
          });
        out.push(located.bytes);
      }
      return out;
    },
  };
}
