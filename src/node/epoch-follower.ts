import { type Committee, validitySize } from '../consensus/interface.js';
import { bytesEqual, fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { type BlockHeader, blockHash } from '../ledger/block.js';
import type { ExecutedBlock } from '../ledger/chain-state.js';
import { decodeSignedTransaction } from '../ledger/signed-transaction.js';
import { headerFromJson } from './block-json.js';
import { checkCertificates } from './follower.js';
import type { GenesisValidator } from './genesis-file.js';

/** How often a node outside the committee looks for new final blocks. */
export const FOLLOW_INTERVAL_MS = 500;
/** Blocks taken in one look at most; the next look goes on from there. */
const MAX_BLOCKS_PER_LOOK = 64;
/**
 * How long f + 1 members must show a later epoch before a member still ordering in an earlier one
 * gives it up: long enough for one that is merely a block short of the boundary to reach it.
 */
export const LEFT_BEHIND_MS = 2_000;

export interface EpochFollowerInit {
  /** Every node of the chain by its stable index, with its API. */
  readonly nodes: readonly GenesisValidator[];
  readonly self: number;
  readonly chainId: string;
  /** The chain as this node executed it: the next block must continue its head. */
  readonly store: {
    readonly chain: { readonly executedHeader: BlockHeader; readonly executedHash: Uint8Array };
  };
  /** The committee of the chain's current epoch, and whether this node orders in it. */
  place(): { readonly committee: Committee; readonly member: boolean };
  /**
   * This member is left behind: the chain ended its epoch elsewhere. It stops ordering in the
   * epoch and follows (`EpochValidator.resync`).
   */
  resign(): void;
  now(): number;
  /** GETs a JSON answer from a node's API: undefined for a 404; rejects on any other failure. */
  get(api: string, path: string): Promise<unknown>;
  /** Hands over one final block, in height order; the node executes it again (it must hash the same). */
  take(block: ExecutedBlock, batchProofs: Uint8Array | undefined): void;
  readonly log: { warn(fields: object, message: string): void };
}

/**
 * A node outside the current committee (a standby, a member that left) copies the chain from the
 * committee's members and trusts none of them alone. A block is taken only when it is final:
 * f + 1 members of the committee (at least one honest, which holds only final blocks) serve the
 * same hash at a height at or above it, and the blocks below link to that hash and to this node's
 * head. Each block's batches must carry certificates of the block's committee, and the node
 * executes the block again: it must give the same hash (`EpochValidator.follow`). Blocks of a later
 * epoch wait for the look after this node executed the boundary: their committee is the one the
 * boundary block records, which the node learns from its own state.
 *
 * A member watches the same statuses for the opposite case: when f + 1 members of its committee
 * show a later epoch for `LEFT_BEHIND_MS` (it was down across a boundary, or cut off), nobody will
 * send its epoch's messages again, so it gives the epoch up and follows from then on.
 */
export class EpochFollower {
  private timer: NodeJS.Timeout | null = null;
  private looking = false;
  /** Since when f + 1 members show a later epoch than the one this member orders in. */
  private behindSince: number | null = null;

  constructor(private readonly init: EpochFollowerInit) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.looking) return;
      this.looking = true;
      this.look()
        .catch((error: unknown) => this.init.log.warn({ error: String(error) }, 'following the chain failed'))
        .finally(() => {
          this.looking = false;
        });
    }, FOLLOW_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * One look: the final blocks after this node's head, as far as f + 1 members vouch for; or, for
   * a member, whether the chain has left its epoch behind.
   */
  async look(): Promise<number> {
    const { committee, member } = this.init.place();
    const apis = this.memberApis(committee);
    const statuses = await Promise.all(
      apis.map(async (api) => {
        try {
          const status = (await this.init.get(api, '/api/v1/status')) as
            | { height?: unknown; epoch?: unknown }
            | undefined;
          const height =
            typeof status?.height === 'number' && Number.isSafeInteger(status.height) ? status.height : -1;
          return { height, epoch: typeof status?.epoch === 'number' ? status.epoch : -1 };
        } catch {
          return { height: -1, epoch: -1 };
        }
      }),
    );
    const need = validitySize(committee.members.length);
    if (member) {
      // f + 1 members past this epoch include an honest one: nobody will send its messages again.
      const ahead = statuses.filter((s) => s.epoch > committee.epoch).length >= need;
      if (!ahead) this.behindSince = null;
      else if (this.behindSince === null) this.behindSince = this.init.now();
      else if (this.init.now() - this.behindSince >= LEFT_BEHIND_MS) {
        this.behindSince = null;
        this.init.log.warn(
          { epoch: committee.epoch },
          'the chain left this epoch behind: following its blocks',
        );
        this.init.resign();
      }
      return 0;
    }
    this.behindSince = null;
    const heights = statuses.map((s) => s.height);
    const ranked = apis
      .map((api, i) => ({ api, height: heights[i]! }))
      .filter((peer) => peer.height >= 0)
      .sort((a, b) => b.height - a.height);
    if (ranked.length < need) return 0;
    const head = this.init.store.chain.executedHeader.height;
    const target = Math.min(ranked[need - 1]!.height, head + MAX_BLOCKS_PER_LOOK);
    if (target <= head) return 0;
    const vouched = await this.vouchedHash(
      ranked.filter((peer) => peer.height >= target).map((peer) => peer.api),
      target,
      need,
    );
    if (vouched === null) return 0;
    const headers = await this.linkedHeaders(vouched.api, target, vouched.hash, head);
    let taken = 0;
    for (const header of headers) {
      // Its committee is known here only once the boundary before it is executed.
      if (header.epoch !== committee.epoch) break;
      const raw = (await this.init.get(vouched.api, `/api/v1/blocks/${header.height}/transactions`)) as
        | { transactions?: unknown; batchProofs?: unknown }
        | undefined;
      if (
        raw === undefined ||
        !Array.isArray(raw.transactions) ||
        !raw.transactions.every((t) => typeof t === 'string')
      )
        throw new Error(`block ${header.height}: no transactions list`);
      if (raw.batchProofs !== undefined && typeof raw.batchProofs !== 'string')
        throw new Error(`block ${header.height}: batch proofs that are not hex`);
      const bytes = (raw.transactions as string[]).map(fromHex);
      const batchProofs = raw.batchProofs === undefined ? undefined : fromHex(raw.batchProofs);
      checkCertificates('dag', committee, header.height, header.evidence, bytes, batchProofs);
      const block = {
        header,
        hash: blockHash(ed25519Scheme, header),
        transactions: bytes.map((b) => decodeSignedTransaction(b, ed25519Scheme)),
      } as unknown as ExecutedBlock;
      this.init.take(block, batchProofs);
      taken++;
      if (this.init.store.chain.executedHeader.height !== header.height) break;
    }
    return taken;
  }

  private memberApis(committee: Committee): string[] {
    const byKey = new Map(this.init.nodes.map((node) => [node.publicKey, node]));
    const apis: string[] = [];
    for (const member of committee.members) {
      const node = byKey.get(toHex(member.publicKey));
      if (node !== undefined && node.index !== this.init.self) apis.push(node.api);
    }
    return apis;
  }

  /** The hash at `height` that `need` members serve alike, and one of them; null if none has enough. */
  private async vouchedHash(
    apis: readonly string[],
    height: number,
    need: number,
  ): Promise<{ api: string; hash: Uint8Array } | null> {
    const hashes = await Promise.all(
      apis.map(async (api) => {
        try {
          return blockHash(
            ed25519Scheme,
            headerFromJson(await this.init.get(api, `/api/v1/blocks/${height}`)),
          );
        } catch {
          return null;
        }
      }),
    );
    const tally = new Map<string, { count: number; api: string; hash: Uint8Array }>();
    hashes.forEach((hash, i) => {
      if (hash === null) return;
      const key = toHex(hash);
      const entry = tally.get(key) ?? { count: 0, api: apis[i]!, hash };
      entry.count++;
      tally.set(key, entry);
    });
    for (const entry of tally.values()) if (entry.count >= need) return { api: entry.api, hash: entry.hash };
    return null;
  }

  /** Headers from just above `head` to `top`, in height order, each linked to the next by hash. */
  private async linkedHeaders(
    api: string,
    top: number,
    topHash: Uint8Array,
    head: number,
  ): Promise<BlockHeader[]> {
    const headers: BlockHeader[] = [];
    let expected = topHash;
    for (let height = top; height > head; height--) {
      const header = headerFromJson(await this.init.get(api, `/api/v1/blocks/${height}`));
      if (header.height !== height || !bytesEqual(blockHash(ed25519Scheme, header), expected))
        throw new Error(`block ${height} does not link to the vouched block above it`);
      headers.push(header);
      expected = header.previousHash;
    }
    if (!bytesEqual(expected, this.init.store.chain.executedHash))
      throw new Error(`the members' chain does not continue this node's block ${head}`);
    return headers.reverse();
  }
}
