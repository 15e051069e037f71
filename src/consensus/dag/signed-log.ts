import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import { DIGEST_LENGTH, readHeaderField, writeHeaderField } from './codec.js';
import { DagError } from './errors.js';
import type { Header } from './types.js';

/**
 * What a DAG validator records before its own signature leaves the process: a header it proposed
 * (whole, so that after a restart it re-broadcasts the very same one, coin share included), or
 * the slot it voted for. Replayed on restart, these keep it from signing a second header for a
 * round or voting for a second header in one slot.
 */
export type DagSignedRecord =
  | { readonly kind: 'header'; readonly header: Header }
  | { readonly kind: 'vote'; readonly author: number; readonly round: number; readonly digest: Uint8Array };

const VERSION = 1;
const KIND_HEADER = 1;
const KIND_VOTE = 2;

export function encodeDagSignedRecord(record: DagSignedRecord): Uint8Array {
  const w = new Writer(record.kind === 'header' ? 512 : 48);
  w.u8(VERSION);
  if (record.kind === 'header') {
    w.u8(KIND_HEADER);
    writeHeaderField(w, record.header);
  } else {
    w.u8(KIND_VOTE).varuint(record.author).varuint(record.round);
    w.fixedBytes(record.digest, DIGEST_LENGTH);
  }
  return w.finish();
}

/** Throws DagError BAD_SIGNED_LOG on bytes that are not one record of this version. */
export function decodeDagSignedRecord(bytes: Uint8Array): DagSignedRecord {
  try {
    return decodeExact(bytes, (r): DagSignedRecord => {
      r.version([VERSION], 'DAG signed record');
      const at = r.position;
      const kind = r.u8();
      if (kind === KIND_HEADER) return { kind: 'header', header: readHeaderField(r) };
      if (kind === KIND_VOTE) {
        const author = r.varuint();
        const round = r.varuint();
        return { kind: 'vote', author, round, digest: r.fixedBytes(DIGEST_LENGTH) };
      }
      throw new CodecError('INVALID_VALUE', `unknown signed record kind ${kind} at ${at}`, { offset: at });
    });
  } catch (error) {
    if (error instanceof CodecError) {
      throw new DagError('BAD_SIGNED_LOG', `not a DAG signed record: ${error.message}`, {
        cause: error.code,
      });
    }
    throw error;
  }
}
