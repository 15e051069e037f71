import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import { nestedMessage } from './codec.js';
import { PbftError } from './errors.js';
import type {
  NewViewMessage,
  PrePrepareMessage,
  PreparedProof,
  PrepareMessage,
  ViewChangeMessage,
} from './messages.js';

/**
 * What a PBFT validator records before its own signature leaves the process. A prepare needs only
 * its slot and digest. A commit is recorded with the prepared proof it rests on: a view change
 * must carry every batch the validator prepared, and a validator that forgot one after a crash
 * could let a new view decide a second batch for a committed sequence. Pre-prepares, view-changes
 * and new-views are kept whole, so the same ones are sent again after a restart.
 */
export type PbftSignedRecord =
  | { readonly kind: 'pre-prepare'; readonly prePrepare: PrePrepareMessage }
  | {
      readonly kind: 'prepare';
      readonly view: number;
      readonly sequence: number;
      readonly digest: Uint8Array;
    }
  | { readonly kind: 'commit'; readonly proof: PreparedProof }
  | { readonly kind: 'view-change'; readonly viewChange: ViewChangeMessage }
  | { readonly kind: 'new-view'; readonly newView: NewViewMessage };

const VERSION = 1;
const KINDS = ['pre-prepare', 'prepare', 'commit', 'view-change', 'new-view'] as const;
const DIGEST_LENGTH = 32;
const MAX_PREPARES = 4096;

export function encodePbftSignedRecord(record: PbftSignedRecord): Uint8Array {
  const w = new Writer(record.kind === 'prepare' ? 48 : 512);
  w.u8(VERSION).u8(KINDS.indexOf(record.kind) + 1);
  switch (record.kind) {
    case 'pre-prepare':
      nestedMessage.write(w, record.prePrepare);
      break;
    case 'prepare':
      w.varuint(record.view).varuint(record.sequence).fixedBytes(record.digest, DIGEST_LENGTH);
      break;
    case 'commit':
      nestedMessage.write(w, record.proof.prePrepare);
      w.array(record.proof.prepares, nestedMessage.write);
      break;
    case 'view-change':
      nestedMessage.write(w, record.viewChange);
      break;
    case 'new-view':
      nestedMessage.write(w, record.newView);
      break;
  }
  return w.finish();
}

/** Throws PbftError BAD_SIGNED_LOG on bytes that are not one record of this version. */
export function decodePbftSignedRecord(bytes: Uint8Array): PbftSignedRecord {
  try {
    return decodeExact(bytes, (r): PbftSignedRecord => {
      r.version([VERSION], 'PBFT signed record');
      const at = r.position;
      const kind = KINDS[r.u8() - 1];
      switch (kind) {
        case 'pre-prepare':
          return { kind, prePrepare: nestedMessage.readTyped<PrePrepareMessage>(r, 'pre-prepare') };
        case 'prepare':
          return { kind, view: r.varuint(), sequence: r.varuint(), digest: r.fixedBytes(DIGEST_LENGTH) };
        case 'commit': {
          const prePrepare = nestedMessage.readTyped<PrePrepareMessage>(r, 'pre-prepare');
          const prepares = r.array(
            (r2) => nestedMessage.readTyped<PrepareMessage>(r2, 'prepare'),
            MAX_PREPARES,
          );
          return { kind, proof: { prePrepare, prepares } };
        }
        case 'view-change':
          return { kind, viewChange: nestedMessage.readTyped<ViewChangeMessage>(r, 'view-change') };
        case 'new-view':
          return { kind, newView: nestedMessage.readTyped<NewViewMessage>(r, 'new-view') };
        default:
          throw new CodecError('INVALID_VALUE', `unknown signed record kind at ${at}`, { offset: at });
      }
    });
  } catch (error) {
    if (error instanceof CodecError) {
      throw new PbftError('BAD_SIGNED_LOG', `not a PBFT signed record: ${error.message}`, {
        cause: error.code,
      });
    }
    throw error;
  }
}
