import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import {
  DIGEST_LENGTH,
  readCertificate,
  readHeaderField,
  writeCertificate,
  writeHeaderField,
} from './codec.js';
import { DagError } from './errors.js';
import type { Certificate, Header } from './types.js';

/**
 * What a DAG validator records before its own signature leaves the process: a header it proposed
 * (whole, so that after a restart it re-broadcasts the very same one, coin share included), or
 * the slot it voted for. Replayed on restart, these keep it from signing a second header for a
 * round or voting for a second header in one slot.
 *
 * Before each header, the certificates it references (its parents and weak parents): the header
 * can be certified only by voters that hold them, and certificates live in memory until the next
 * snapshot. When the whole committee stops at once, the last rounds' certificates are nowhere
 * else; a validator that kept its header but not what the header stands on would re-broadcast a
 * header nobody can vote for, and could never sign another for that round.
 */
export type DagSignedRecord =
  | { readonly kind: 'header'; readonly header: Header }
  | { readonly kind: 'vote'; readonly author: number; readonly round: number; readonly digest: Uint8Array }
  | { readonly kind: 'references'; readonly certificates: readonly Certificate[] };

const VERSION = 1;
const KIND_HEADER = 1;
const KIND_VOTE = 2;
const KIND_REFERENCES = 3;
/** A header references at most a committee per round over the window; this bounds a record's list. */
const MAX_REFERENCED_CERTIFICATES = 1 << 16;

export function encodeDagSignedRecord(record: DagSignedRecord): Uint8Array {
  const w = new Writer(record.kind === 'vote' ? 48 : 512);
  w.u8(VERSION);
  if (record.kind === 'header') {
    w.u8(KIND_HEADER);
    writeHeaderField(w, record.header);
  } else if (record.kind === 'references') {
    w.u8(KIND_REFERENCES);
    w.array(record.certificates, writeCertificate);
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
      if (kind === KIND_REFERENCES)
        return { kind: 'references', certificates: r.array(readCertificate, MAX_REFERENCED_CERTIFICATES) };
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
