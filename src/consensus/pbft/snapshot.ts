import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import { fromHex, toHex } from '../../crypto/index.js';
import type { Committee } from '../interface.js';
import { MAX_BATCH_TRANSACTIONS, MAX_LIST, MAX_TRANSACTION_BYTES, nestedMessage } from './codec.js';
import { PbftError } from './errors.js';
import type { CheckpointMessage, NewViewMessage, PrePrepareMessage, PreparedProof } from './messages.js';

/**
 * What a PBFT validator persists to come back from a crash without contradicting itself: its view,
 * what it executed, its stable checkpoint, every batch it prepared (view changes must carry them),
 * the proposals it accepted in the current view, the new-view it sent as primary, its pending
 * client transactions and the duplicate filter. Decided batches are not kept: peers resend them.
 */
export interface PbftSnapshot {
  readonly index: number;
  readonly view: number;
  readonly viewChanging: boolean;
  readonly executedCount: number;
  readonly stateDigest: Uint8Array;
  readonly stableCount: number;
  readonly stableDigest: Uint8Array;
  readonly stableProof: readonly CheckpointMessage[];
  readonly nextSequence: number;
  readonly prepared: readonly PreparedProof[];
  readonly prePrepares: readonly PrePrepareMessage[];
  readonly ownNewView: NewViewMessage | null;
  readonly pending: readonly Uint8Array[];
  readonly recentCommitted: readonly { readonly key: string; readonly sequence: number }[];
}

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_MAGIC = 'gridshard/pbft/snapshot';

export function encodeSnapshot(s: PbftSnapshot, committee: Committee): Uint8Array {
  const w = new Writer(1024);
  w.u8(SNAPSHOT_VERSION).string(SNAPSHOT_MAGIC);
  w.u32(committee.shardId).u32(committee.epoch).varuint(committee.members.length).varuint(s.index);
  w.varuint(s.view).bool(s.viewChanging).varuint(s.executedCount).fixedBytes(s.stateDigest, 32);
  w.varuint(s.stableCount).fixedBytes(s.stableDigest, 32);
  w.array(s.stableProof, nestedMessage.write);
  w.varuint(s.nextSequence);
  w.array(s.prepared, (w2, proof) => {
    nestedMessage.write(w2, proof.prePrepare);
    w2.array(proof.prepares, nestedMessage.write);
  });
  w.array(s.prePrepares, nestedMessage.write);
  w.optional(s.ownNewView, nestedMessage.write);
  w.array(s.pending, (w2, tx) => w2.bytes(tx));
  w.array(s.recentCommitted, (w2, entry) => w2.fixedBytes(fromHex(entry.key), 32).varuint(entry.sequence));
  return w.finish();
}

export function decodeSnapshot(bytes: Uint8Array, committee: Committee, index: number): PbftSnapshot {
  let s: PbftSnapshot;
  try {
    s = decodeExact(bytes, (r) => {
      r.version([SNAPSHOT_VERSION], 'PBFT snapshot');
      if (r.string(64) !== SNAPSHOT_MAGIC) {
        throw new PbftError('BAD_SNAPSHOT', 'not a PBFT snapshot');
      }
      const shardId = r.u32();
      const epoch = r.u32();
      const size = r.varuint();
      const owner = r.varuint();
      if (shardId !== committee.shardId || epoch !== committee.epoch || size !== committee.members.length) {
        throw new PbftError('BAD_SNAPSHOT', `snapshot of shard ${shardId} epoch ${epoch}, size ${size}`, {
          shardId,
          epoch,
          size,
        });
      }
      if (owner !== index) {
        throw new PbftError('BAD_SNAPSHOT', `snapshot of validator ${owner} given to ${index}`, {
          owner,
          index,
        });
      }
      return {
        index: owner,
        view: r.varuint(),
        viewChanging: r.bool(),
        executedCount: r.varuint(),
        stateDigest: r.fixedBytes(32),
        stableCount: r.varuint(),
        stableDigest: r.fixedBytes(32),
        stableProof: r.array((r2) => nestedMessage.readTyped<CheckpointMessage>(r2, 'checkpoint'), MAX_LIST),
        nextSequence: r.varuint(),
        prepared: r.array(
          (r2): PreparedProof => ({
            prePrepare: nestedMessage.readTyped<PrePrepareMessage>(r2, 'pre-prepare'),
            prepares: r2.array((r3) => nestedMessage.readTyped(r3, 'prepare'), MAX_LIST),
          }),
          MAX_LIST,
        ),
        prePrepares: r.array((r2) => nestedMessage.readTyped<PrePrepareMessage>(r2, 'pre-prepare'), MAX_LIST),
        ownNewView: r.optional((r2) => nestedMessage.readTyped<NewViewMessage>(r2, 'new-view')),
        pending: r.array((r2) => r2.bytesField(MAX_TRANSACTION_BYTES), MAX_BATCH_TRANSACTIONS * 64),
        recentCommitted: r.array((r2) => ({ key: toHex(r2.fixedBytes(32)), sequence: r2.varuint() })),
      };
    });
  } catch (error) {
    if (error instanceof CodecError) {
      throw new PbftError('BAD_SNAPSHOT', `malformed PBFT snapshot: ${error.message}`, { cause: error.code });
    }
    throw error;
  }
  return s;
}
