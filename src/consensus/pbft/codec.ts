import { CodecError, decodeExact, type Reader, Writer } from '../../codec/index.js';
import { transactionsDigest } from './digests.js';
import type {
  CheckpointMessage,
  CommitMessage,
  PbftMessage,
  PbftMessageType,
  PrePrepareMessage,
  PreparedProof,
  PrepareMessage,
  UnsignedPbftMessage,
  ViewChangeMessage,
} from './messages.js';

/**
 * Canonical bytes of PBFT messages: a version byte, then the message. A message is its type byte,
 * the sender, the fields in a fixed order, then the 64-byte signature. Certificates nest whole
 * signed messages. The limits below bound what a peer can make us allocate.
 */
export const PBFT_CODEC_VERSION = 1;
export const MAX_BATCH_TRANSACTIONS = 1 << 16;
export const MAX_TRANSACTION_BYTES = 1 << 16;
/** More votes than any committee has members, or more proofs than a window holds, is malformed. */
export const MAX_LIST = 4096;
const SIGNATURE_LENGTH = 64;
const DIGEST_LENGTH = 32;
const SIGNING_DOMAIN = 'gridshard/pbft/v1';

const TYPE_CODES: Record<PbftMessageType, number> = {
  request: 1,
  'pre-prepare': 2,
  prepare: 3,
  commit: 4,
  checkpoint: 5,
  'view-change': 6,
  'new-view': 7,
  fetch: 8,
  decided: 9,
};
const TYPES_BY_CODE = new Map<number, PbftMessageType>(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as PbftMessageType]),
);

/** On the wire a message carries its transactions; what is signed carries only their digest. */
type TransactionsForm = 'full' | 'digest';

function writeTransactions(w: Writer, transactions: readonly Uint8Array[], form: TransactionsForm): void {
  if (form === 'digest') w.fixedBytes(transactionsDigest(transactions), DIGEST_LENGTH);
  else w.array(transactions, (w2, tx) => w2.bytes(tx));
}

function readTransactions(r: Reader): Uint8Array[] {
  return r.array((r2) => r2.bytesField(MAX_TRANSACTION_BYTES), MAX_BATCH_TRANSACTIONS);
}

/** The body: everything but the signature. */
function writeBody(w: Writer, m: UnsignedPbftMessage, form: TransactionsForm = 'full'): void {
  w.u8(TYPE_CODES[m.type]).varuint(m.from);
  switch (m.type) {
    case 'request':
      writeTransactions(w, m.transactions, form);
      return;
    case 'pre-prepare':
      w.varuint(m.view).varuint(m.sequence).varuint(m.proposer);
      writeTransactions(w, m.transactions, form);
      return;
    case 'prepare':
    case 'commit':
      w.varuint(m.view).varuint(m.sequence).fixedBytes(m.digest, DIGEST_LENGTH);
      return;
    case 'checkpoint':
      w.varuint(m.count).fixedBytes(m.stateDigest, DIGEST_LENGTH);
      return;
    case 'view-change':
      w.varuint(m.newView).varuint(m.stableCount).fixedBytes(m.stableDigest, DIGEST_LENGTH);
      w.array(m.checkpointProof, writeMessage);
      w.array(m.prepared, (w2, proof) => {
        writeMessage(w2, proof.prePrepare);
        w2.array(proof.prepares, writeMessage);
      });
      return;
    case 'new-view':
      w.varuint(m.view);
      w.array(m.viewChanges, writeMessage);
      w.array(m.prePrepares, writeMessage);
      return;
    case 'fetch':
      w.varuint(m.fromSequence);
      return;
    case 'decided':
      w.varuint(m.view).varuint(m.sequence).varuint(m.proposer);
      writeTransactions(w, m.transactions, form);
      w.array(m.commits, writeMessage);
      return;
  }
}

function writeMessage(w: Writer, m: PbftMessage): void {
  writeBody(w, m);
  w.fixedBytes(m.signature, SIGNATURE_LENGTH);
}

function readMessage(r: Reader): PbftMessage {
  const at = r.position;
  const code = r.u8();
  const type = TYPES_BY_CODE.get(code);
  if (type === undefined) {
    throw new CodecError('INVALID_VALUE', `unknown PBFT message type ${code} at ${at}`, { offset: at, code });
  }
  const from = r.varuint();
  const body = readFields(r, type, from);
  const signature = r.fixedBytes(SIGNATURE_LENGTH);
  return { ...body, signature } as PbftMessage;
}

function readFields(r: Reader, type: PbftMessageType, from: number): UnsignedPbftMessage {
  switch (type) {
    case 'request':
      return { type, from, transactions: readTransactions(r) };
    case 'pre-prepare':
      return {
        type,
        from,
        view: r.varuint(),
        sequence: r.varuint(),
        proposer: r.varuint(),
        transactions: readTransactions(r),
      };
    case 'prepare':
    case 'commit':
      return { type, from, view: r.varuint(), sequence: r.varuint(), digest: r.fixedBytes(DIGEST_LENGTH) };
    case 'checkpoint':
      return { type, from, count: r.varuint(), stateDigest: r.fixedBytes(DIGEST_LENGTH) };
    case 'view-change': {
      const newView = r.varuint();
      const stableCount = r.varuint();
      const stableDigest = r.fixedBytes(DIGEST_LENGTH);
      const checkpointProof = r.array((r2) => readTyped<CheckpointMessage>(r2, 'checkpoint'), MAX_LIST);
      const prepared = r.array(
        (r2): PreparedProof => ({
          prePrepare: readTyped<PrePrepareMessage>(r2, 'pre-prepare'),
          prepares: r2.array((r3) => readTyped<PrepareMessage>(r3, 'prepare'), MAX_LIST),
        }),
        MAX_LIST,
      );
      return { type, from, newView, stableCount, stableDigest, checkpointProof, prepared };
    }
    case 'new-view':
      return {
        type,
        from,
        view: r.varuint(),
        viewChanges: r.array((r2) => readTyped<ViewChangeMessage>(r2, 'view-change'), MAX_LIST),
        prePrepares: r.array((r2) => readTyped<PrePrepareMessage>(r2, 'pre-prepare'), MAX_LIST),
      };
    case 'fetch':
      return { type, from, fromSequence: r.varuint() };
    case 'decided':
      return {
        type,
        from,
        view: r.varuint(),
        sequence: r.varuint(),
        proposer: r.varuint(),
        transactions: readTransactions(r),
        commits: r.array((r2) => readTyped<CommitMessage>(r2, 'commit'), MAX_LIST),
      };
  }
}

function readTyped<M extends PbftMessage>(r: Reader, type: M['type']): M {
  const at = r.position;
  const message = readMessage(r);
  if (message.type !== type) {
    throw new CodecError('INVALID_VALUE', `expected a ${type} message at ${at}, found ${message.type}`, {
      offset: at,
    });
  }
  return message as M;
}

export function encodePbftMessage(message: PbftMessage): Uint8Array {
  const w = new Writer(256);
  w.u8(PBFT_CODEC_VERSION);
  writeMessage(w, message);
  return w.finish();
}

/** Throws a CodecError on any malformed or non-canonical input. */
export function decodePbftMessage(bytes: Uint8Array): PbftMessage {
  return decodeExact(bytes, (r) => {
    r.version([PBFT_CODEC_VERSION], 'PBFT message');
    return readMessage(r);
  });
}

/**
 * What a signature covers: a domain tag, the committee's shard and epoch, and the body with any
 * transaction list replaced by its digest (nested messages stay whole).
 */
export function signingBytes(message: UnsignedPbftMessage, shardId: number, epoch: number): Uint8Array {
  const w = new Writer(128);
  w.string(SIGNING_DOMAIN).u32(shardId).u32(epoch);
  writeBody(w, message, 'digest');
  return w.finish();
}

/** Canonical bytes of a list of signed messages (commit certificates in committed batches). */
export function encodeMessageList(messages: readonly PbftMessage[]): Uint8Array {
  const w = new Writer(128);
  w.u8(PBFT_CODEC_VERSION);
  w.array(messages, writeMessage);
  return w.finish();
}

/** Used by snapshots: they nest messages inside their own canonical format. */
export const nestedMessage = { write: writeMessage, read: readMessage, readTyped };
