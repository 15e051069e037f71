import type {
  Certificate,
  DagMessage,
  DagValidatorInit,
  Header,
  VoteSignature,
} from '../../consensus/dag/index.js';
import { digestKey } from '../../consensus/dag/index.js';
import type { ConsensusEffect } from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import { headerKey, signHeader, signVote } from './dag-craft.js';
import type { BrainContext } from './types.js';

type Effect = ConsensusEffect<unknown>;

/** One equivocated slot of the lead: two headers, who was shown which, and the votes on each. */
interface Split {
  readonly round: number;
  readonly first: Header;
  readonly second: Header;
  readonly firstKey: string;
  readonly secondKey: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Votes on each version: the faulty ones signed at once, the honest ones as they come in. */
  readonly firstVotes: Map<number, Uint8Array>;
  readonly secondVotes: Map<number, Uint8Array>;
  readonly dueAt: number;
  firstCertified: boolean;
  done: boolean;
}

/** Honest validators vote within a few message delays; what is not in by then never comes. */
const VOTE_WAIT_MS = 150;

/**
 * The lead's equivocation with double votes. The lead signs two headers for one support round,
 * the real one shown to f + 1 honest validators and a second one (another batch) to the other f;
 * every faulty validator signs a vote for both. The lead gathers the votes on each version and
 * broadcasts a certificate for any version that reaches 2f + 1 valid votes of distinct members;
 * the second never can (f faulty and f honest votes), so it broadcasts it padded to 2f + 1 with
 * duplicated signers or with votes cast for the first version, which every honest validator must
 * refuse. Last, each side is shown the version it did not see, so those holding the first
 * version's certificate record the equivocation.
 */
export class DoubleVotes {
  private readonly splits = new Map<number, Split>();
  /** Header digest → the round of the split it belongs to. */
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly context: BrainContext,
    private readonly rng: Prng,
    private readonly inits: ReadonlyMap<number, DagValidatorInit>,
    private readonly lead: number,
    private readonly quorum: number,
  ) {}

  private get faulty(): readonly number[] {
    return this.context.view.faulty;
  }

  /**
   * Sends the lead's header in two versions (the first time it is broadcast; a resend goes to
   * each side again in its own version). False when the header is not the lead's to split.
   */
  equivocate(header: Header, out: Effect[]): boolean {
    const known = this.splits.get(header.round);
    if (known !== undefined) {
      if (headerKey(header) !== known.firstKey) return false;
      this.send(known, out);
      return true;
    }
    const honest = this.rng.shuffle([...this.context.view.honest]);
    const f = this.faulty.length;
    const { signature: _, ...unsigned } = header;
    const junk = new TextEncoder().encode(`byzantine/${this.lead}/equivocation/${header.round}`);
    const second = signHeader(this.inits.get(this.lead)!, {
      ...unsigned,
      transactions: [...header.transactions, junk],
    });
    const split: Split = {
      round: header.round,
      first: header,
      second,
      firstKey: headerKey(header),
      secondKey: headerKey(second),
      x: honest.slice(0, f + 1).sort((a, b) => a - b),
      y: honest.slice(f + 1).sort((a, b) => a - b),
      firstVotes: new Map(),
      secondVotes: new Map(),
      dueAt: this.context.view.now() + VOTE_WAIT_MS,
      firstCertified: false,
      done: false,
    };
    for (const id of this.faulty) {
      const init = this.inits.get(id)!;
      split.firstVotes.set(id, signVote(init, Buffer.from(split.firstKey, 'hex')).signature);
      split.secondVotes.set(id, signVote(init, Buffer.from(split.secondKey, 'hex')).signature);
    }
    this.splits.set(header.round, split);
    this.byKey.set(split.firstKey, header.round);
    this.byKey.set(split.secondKey, header.round);
    this.context.attacks.push(
      `round ${header.round}: two headers of ${this.lead}, ${short(split.firstKey)} to {${split.x.join(',')}} and ${short(split.secondKey)} to {${split.y.join(',')}}; faulty {${this.faulty.join(',')}} voted for both`,
    );
    this.send(split, out);
    return true;
  }

  private send(split: Split, out: Effect[]): void {
    for (const to of [...split.x, ...this.faulty.filter((id) => id !== this.lead)])
      out.push({ kind: 'send', to, message: { type: 'header', header: split.first } });
    for (const to of split.y)
      out.push({ kind: 'send', to, message: { type: 'header', header: split.second } });
  }

  /**
   * A vote reaching the lead: kept when it is on either version of a split. True when the lead's
   * own core must not see it (a vote on the second version, which that core never signed).
   */
  takeVote(message: DagMessage): boolean {
    if (message.type !== 'vote') return false;
    const key = digestKey(message.vote.headerDigest);
    const round = this.byKey.get(key);
    if (round === undefined) return false;
    const split = this.splits.get(round)!;
    const votes = key === split.firstKey ? split.firstVotes : split.secondVotes;
    // The signature is checked by whoever receives a certificate carrying it; a bad one only
    // spoils the lead's own certificate.
    if (!votes.has(message.vote.voter)) votes.set(message.vote.voter, message.vote.signature);
    return key === split.secondKey;
  }

  /** The lead's core certified its header: the first version's certificate went out. */
  noteCertificate(certificate: Certificate): void {
    const round = this.byKey.get(headerKey(certificate.header));
    const split = round === undefined ? undefined : this.splits.get(round);
    if (split === undefined || split.firstCertified || headerKey(certificate.header) !== split.firstKey)
      return;
    split.firstCertified = true;
    this.context.attacks.push(
      `round ${split.round}: certificate for the first header ${short(split.firstKey)} of ${this.lead} broadcast (voters ${certificate.votes.map((v) => v.voter).join(',')})`,
    );
  }

  /** Once the votes are in: the second version's certificate, real if it can be, padded if not. */
  tick(nowMs: number, out: Effect[]): void {
    for (const split of this.splits.values()) {
      if (split.done || nowMs < split.dueAt) continue;
      split.done = true;
      this.certifySecond(split, out);
      // Each side now learns of the other version; a validator holding the first version's
      // certificate and shown the second has a proof of the equivocation.
      for (const to of split.x)
        out.push({ kind: 'send', to, message: { type: 'header', header: split.second } });
      for (const to of split.y)
        out.push({ kind: 'send', to, message: { type: 'header', header: split.first } });
    }
  }

  private certifySecond(split: Split, out: Effect[]): void {
    const real = sorted(split.secondVotes);
    if (real.length >= this.quorum) {
      // Only possible if honest validators voted for both versions: a safety failure to expose.
      const certificate: Certificate = { header: split.second, votes: real.slice(0, this.quorum) };
      out.push({ kind: 'broadcast', message: { type: 'certificate', certificate } });
      this.context.attacks.push(
        `round ${split.round}: certificate for the second header ${short(split.secondKey)} of ${this.lead} formed with ${real.length} votes and broadcast`,
      );
      return;
    }
    const foreign = this.rng.chance(0.5);
    const padding: VoteSignature[] = [];
    if (foreign) {
      // Votes honest validators cast for the first version, claimed for the second.
      for (const vote of sorted(split.firstVotes)) {
        if (real.length + padding.length >= this.quorum) break;
        if (!split.secondVotes.has(vote.voter)) padding.push(vote);
      }
    }
    for (let i = 0; real.length + padding.length < this.quorum; i++) padding.push(real[i % real.length]!);
    const certificate: Certificate = { header: split.second, votes: [...real, ...padding] };
    out.push({ kind: 'broadcast', message: { type: 'certificate', certificate } });
    const kind = padding.every((p) => split.secondVotes.get(p.voter) === p.signature)
      ? 'duplicated signers'
      : 'votes for the first header';
    this.context.attacks.push(
      `round ${split.round}: padded certificate for the second header ${short(split.secondKey)} of ${this.lead} broadcast: ${real.length} real votes (${real.map((v) => v.voter).join(',')}) + ${padding.length} ${kind} (${padding.map((v) => v.voter).join(',')})`,
    );
  }
}

/** Enough of a digest to find its vertex again (in a test, in a snapshot). */
function short(key: string): string {
  return key.slice(0, 16);
}

function sorted(votes: ReadonlyMap<number, Uint8Array>): VoteSignature[] {
  return [...votes.entries()].sort((a, b) => a[0] - b[0]).map(([voter, signature]) => ({ voter, signature }));
}
