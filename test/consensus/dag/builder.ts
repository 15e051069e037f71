import {
  coinLeader,
  coinName,
  combineCoinShares,
  createCoinShare,
} from '../../../src/consensus/coin/index.js';
import {
  type Certificate,
  type DagConfig,
  type DagValidatorInit,
  dagGenesis,
  type Header,
  headerDigest,
  headerSigningBytes,
  isCoinRound,
  voteSigningBytes,
  waveOfCoinRound,
} from '../../../src/consensus/dag/index.js';
import { ed25519Sign } from '../../../src/crypto/index.js';

/**
 * Builds certified vertices by hand, round by round: `round(r, { author: [parent authors] })`.
 * Every vertex carries one transaction named after it ("a1" is author 0's round-1 vertex).
 */
export class DagBuilder {
  readonly inits: DagValidatorInit[];
  readonly vertices = new Map<string, Certificate>();

  constructor(seedByte: number, config?: Partial<DagConfig>) {
    this.inits = dagGenesis(4, new Uint8Array(32).fill(seedByte), config === undefined ? {} : { config });
  }

  static label(author: number, round: number): string {
    return `${'abcd'[author]}${round}`;
  }

  vertex(author: number, round: number, parents: number[]): Certificate {
    return this.vertexWith(
      author,
      round,
      parents.map((p) => headerDigest(this.vertices.get(DagBuilder.label(p, round - 1))!.header)),
    );
  }

  /** A vertex whose strong parents are given as digests, whatever they really are. */
  vertexWith(author: number, round: number, parents: readonly Uint8Array[]): Certificate {
    const init = this.inits[author]!;
    const coinShare = isCoinRound(round)
      ? createCoinShare(
          init.coinSecretShare,
          init.coinPublicKeys,
          author,
          coinName(0, 0, waveOfCoinRound(round)),
        )
      : null;
    const unsigned: Header = {
      author,
      round,
      parents,
      weakParents: [],
      transactions: [new TextEncoder().encode(DagBuilder.label(author, round))],
      coinShare,
      signature: new Uint8Array(64),
    };
    const header = this.sign(unsigned);
    const votes = this.inits.slice(0, 3).map((voter) => ({
      voter: voter.index,
      signature: ed25519Sign(voter.signingSeed, voteSigningBytes(voter.committee, headerDigest(header))),
    }));
    const certificate = { header, votes };
    this.vertices.set(DagBuilder.label(author, round), certificate);
    return certificate;
  }

  /** The header signed by its author's key. */
  sign(unsigned: Header): Header {
    const init = this.inits[unsigned.author]!;
    const digest = headerDigest(unsigned);
    return {
      ...unsigned,
      signature: ed25519Sign(init.signingSeed, headerSigningBytes(init.committee, digest)),
    };
  }

  round(round: number, edges: Record<number, number[]>): Certificate[] {
    return Object.entries(edges).map(([author, parents]) => this.vertex(Number(author), round, parents));
  }

  /** The leader of a wave as every validator computes it, from the coin round's shares. */
  leader(wave: number): number {
    const name = coinName(0, 0, wave);
    const shares = this.inits.slice(0, 2).map((init) => ({
      index: init.index,
      share: createCoinShare(init.coinSecretShare, init.coinPublicKeys, init.index, name),
    }));
    return coinLeader(combineCoinShares(this.inits[0]!.coinPublicKeys, name, shares), 4);
  }
}
