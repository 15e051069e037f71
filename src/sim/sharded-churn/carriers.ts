import { SHARDS_COMMITTEE } from '../../cross-zone/committee-application.js';
import { shardCommitteeKey } from '../../cross-zone/directory.js';
import { ROOT_SHARD_BLOCK, readShardHead } from '../../cross-zone/root-application.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import { sha256, toHex } from '../../crypto/hash.js';
import type { Prng } from '../../kit/prng.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import { OwnTransactions } from '../../ledger/own-transactions.js';
import type { ReadableState } from '../../ledger/state-interface.js';
import { readCommittee } from '../../roles/committee-state.js';
import { readHandoverCertificate } from '../../roles/handover.js';
import {
  AttestationCollector,
  encodeCommitProof,
  encodeCommitteeChange,
  signCommitStatement,
} from '../../sharding/index.js';
import type { EpochChain } from '../churn/epoch-chain.js';

const encoder = new TextEncoder();
/** A proof or certificate not recorded this long after it was carried goes again. */
const RESEND_MS = 2500;

/** The state after the newest block a chain's honest nodes agreed on (genesis's when none yet). */
export function agreedState(chain: EpochChain): ReadableState {
  const head = chain.canonical.at(-1);
  if (head !== undefined) return { get: (key) => head.block.view.getState(key) };
  const view = chain.chains[chain.honestNodes()[0]!]!.view();
  return { get: (key) => view.getState(key) };
}

/**
 * What carries a chain's facts to the others in a sharded run, as the node's pullers do
 * (src/node/shard-proof-puller.ts, committee-puller.ts): each zone shard's commit proofs to the
 * root chain, and each zone shard's handover certificates to every chain. The honest members of a
 * block's epoch sign its commit statement when they write it; 2f + 1 make the proof. Anyone may
 * carry either: the root checks a proof against the committee it recorded for the block's epoch,
 * every chain a certificate against the committee before it. So the adversary carries too: now and
 * then a certificate with one member swapped, which every chain must refuse.
 */
export class Carriers {
  private readonly collectors = new Map<string, AttestationCollector>();
  /** Per zone shard: the highest height proven, with its proof. */
  private readonly proven = new Map<number, { height: number; bytes: Uint8Array }>();
  private readonly carriers = new Map<number, OwnTransactions>();
  private readonly forgers = new Map<number, OwnTransactions>();
  /** What was carried last, by what it names: when. */
  private readonly sentAt = new Map<string, number>();
  forged = 0;

  constructor(
    private readonly chainId: string,
    private readonly zones: readonly EpochChain[],
    private readonly root: EpochChain,
    private readonly genesisSeed: Uint8Array,
    private readonly rng: Prng,
    private readonly now: () => number,
  ) {}

  /** Whether what `key` names was not carried within RESEND_MS (and marks it carried now). */
  private due(key: string): boolean {
    const last = this.sentAt.get(key);
    if (last !== undefined && this.now() - last < RESEND_MS) return false;
    this.sentAt.set(key, this.now());
    return true;
  }

  /** Node `node` of zone shard `shard` wrote `block`: if it was a member of the block's epoch, it attests. */
  attest(shard: number, node: number, block: ExecutedBlock): void {
    const zone = this.zones[shard]!;
    const { epoch, height, stateRoot } = block.header;
    const committee = zone.committeesByEpoch.get(epoch);
    if (committee === undefined) return;
    const index = committee.members.findIndex((m) => toHex(m.publicKey) === toHex(zone.keys[node]!));
    if (index < 0) return;
    const key = `${shard}/${epoch}`;
    let collector = this.collectors.get(key);
    if (collector === undefined) {
      collector = new AttestationCollector(committee, this.chainId);
      this.collectors.set(key, collector);
    }
    const signing = ed25519PrivateKeyObject(zone.seeds[node]!);
    const statement = {
      chainId: this.chainId,
      shardId: shard,
      epoch,
      height,
      blockHash: block.hash,
      stateRoot,
    };
    const outcome = collector.add(signCommitStatement(statement, index, (m) => ed25519Sign(signing, m)));
    if (outcome.kind !== 'counted' || outcome.proof === undefined) return;
    const best = this.proven.get(shard);
    if (best === undefined || height > best.height)
      this.proven.set(shard, { height, bytes: encodeCommitProof(outcome.proof) });
  }

  /** The highest height of `shard` proven so far (0: none). */
  provenHeight(shard: number): number {
    return this.proven.get(shard)?.height ?? 0;
  }

  /** Hands the root its missing shard heads, and every chain the handovers it has not recorded. */
  carry(): void {
    const rootState = agreedState(this.root);
    this.zones.forEach((_, shard) => {
      const best = this.proven.get(shard);
      const head = readShardHead(rootState, shard)?.height ?? 0;
      if (best !== undefined && best.height > head && this.due(`proof/${shard}/${best.height}`))
        this.submit(this.root, ROOT_SHARD_BLOCK, best.bytes);
    });
    const zoneStates = this.zones.map(agreedState);
    for (const chain of [...this.zones, this.root]) this.carryCommittees(chain, zoneStates);
  }

  /** `zoneStates`: each zone shard's agreed state, read once per carry for every chain. */
  private carryCommittees(chain: EpochChain, zoneStates: readonly ReadableState[]): void {
    const state = agreedState(chain);
    this.zones.forEach((zone, shard) => {
      const zoneState = zoneStates[shard]!;
      const current = readCommittee(zoneState)?.epoch ?? 0;
      let recorded = 0;
      while (state.get(shardCommitteeKey(shard, recorded + 1)) !== undefined) recorded++;
      if (recorded >= current) return;
      const certificate = readHandoverCertificate(zoneState, recorded + 1);
      if (
        certificate === null ||
        !this.due(`committee/${chain.genesisCommittee.shardId}/${shard}/${recorded + 1}`)
      )
        return;
      this.submit(chain, SHARDS_COMMITTEE, encodeCommitteeChange(certificate));
      // A Byzantine carrier sends the same certificate with one member swapped for its own key.
      if (zone.faultyNodes.length > 0 && this.rng.chance(0.3)) {
        const intruder = zone.keys[zone.faultyNodes[0]!]!;
        const members = certificate.members.map((key, i) => (i === 0 ? intruder : key));
        if (toHex(members[0]!) !== toHex(certificate.members[0]!)) {
          this.forged++;
          this.submitForged(chain, encodeCommitteeChange({ ...certificate, members }));
        }
      }
    });
  }

  private carrierOf(chain: EpochChain, pool: Map<number, OwnTransactions>, label: string): OwnTransactions {
    const shardId = chain.genesisCommittee.shardId;
    let carrier = pool.get(shardId);
    if (carrier === undefined) {
      carrier = new OwnTransactions({
        seed: sha256(encoder.encode(`gridshard/sharded-churn/${label}/${shardId}`), this.genesisSeed),
        chainId: this.chainId,
        shardId,
        state: () => agreedState(chain),
        now: this.now,
        submit: (bytes) => {
          const to = chain.liveHonestMembers();
          if (to.length > 0) chain.feed(this.rng.pick(to), [bytes]);
        },
      });
      pool.set(shardId, carrier);
    }
    return carrier;
  }

  private submit(chain: EpochChain, type: string, payload: Uint8Array): void {
    this.carrierOf(chain, this.carriers, 'carrier').submit(type, payload);
  }

  private submitForged(chain: EpochChain, payload: Uint8Array): void {
    this.carrierOf(chain, this.forgers, 'forger').submit(SHARDS_COMMITTEE, payload);
  }
}
