import { CodecError } from '../codec/errors.js';
import { MAX_CHAIN_ID_LENGTH } from '../codec/limits.js';
import { decodeExact, type Reader } from '../codec/reader.js';
import { varuintLength, Writer } from '../codec/writer.js';
import { bytesEqual } from '../crypto/hash.js';
import type { SignatureScheme, Signer } from '../crypto/scheme.js';
import { LedgerError } from './errors.js';

/**
 * The signed envelope of every transaction on chain. The application reads `type` and `payload`;
 * the ledger checks the rest: the chain and shard it was meant for, the sender's signature over
 * everything else, and the sender's nonce (so a transaction can be applied once only).
 */
export interface Transaction {
  readonly chainId: string;
  readonly shardId: number;
  /** Names the contract that executes it, such as `market.order` or `kv.put`. */
  readonly type: string;
  readonly payload: Uint8Array;
  /** The sender's public key in the chain's scheme. */
  readonly sender: Uint8Array;
  readonly nonce: bigint;
  readonly signature: Uint8Array;
}

export type UnsignedTransaction = Omit<Transaction, 'signature'>;

export const TRANSACTION_VERSION = 1;
export { MAX_CHAIN_ID_LENGTH } from '../codec/limits.js';
export const MAX_TYPE_LENGTH = 64;
export const MAX_PAYLOAD_LENGTH = 64 * 1024;

// A domain tag in front of the signed bytes, so a transaction signature can never be replayed as a
// signature over a block, a consensus message or anything else the same key signs.
const SIGNING_DOMAIN = new TextEncoder().encode('gridshard/tx/v1');

function writeUnsigned(writer: Writer, tx: UnsignedTransaction): Writer {
  // Limits are in UTF-8 bytes, as the reader counts them, so whatever is written can be read back.
  if (!withinUtf8Bytes(tx.chainId, MAX_CHAIN_ID_LENGTH)) {
    throw new LedgerError('INVALID_PAYLOAD', `chain id must be 1..${MAX_CHAIN_ID_LENGTH} UTF-8 bytes`, {});
  }
  if (!withinUtf8Bytes(tx.type, MAX_TYPE_LENGTH)) {
    throw new LedgerError(
      'INVALID_PAYLOAD',
      `transaction type must be 1..${MAX_TYPE_LENGTH} UTF-8 bytes`,
      {},
    );
  }
  if (tx.payload.length > MAX_PAYLOAD_LENGTH) {
    throw new LedgerError('INVALID_PAYLOAD', `payload exceeds ${MAX_PAYLOAD_LENGTH} bytes`, {});
  }
  return writer
    .u8(TRANSACTION_VERSION)
    .string(tx.chainId)
    .u32(tx.shardId)
    .string(tx.type)
    .bytes(tx.payload)
    .bytes(tx.sender)
    .u64Big(tx.nonce);
}

function withinUtf8Bytes(value: string, max: number): boolean {
  if (typeof value !== 'string' || value.length === 0) return false;
  return utf8Length(value) <= max;
}

/** UTF-8 length of a string; short ASCII (chain ids, types) is counted without a call into Buffer. */
function utf8Length(value: string): number {
  const count = value.length;
  if (count > 64) return Buffer.byteLength(value, 'utf8');
  for (let i = 0; i < count; i++) if (value.charCodeAt(i) >= 0x80) return Buffer.byteLength(value, 'utf8');
  return count;
}

export function transactionSigningBytes(tx: UnsignedTransaction): Uint8Array {
  const body = writeUnsigned(new Writer(128 + tx.payload.length), tx).finish();
  const out = new Uint8Array(SIGNING_DOMAIN.length + body.length);
  out.set(SIGNING_DOMAIN, 0);
  out.set(body, SIGNING_DOMAIN.length);
  return out;
}

export function signTransaction(signer: Signer, tx: Omit<UnsignedTransaction, 'sender'>): Transaction {
  const unsigned: UnsignedTransaction = { ...tx, sender: signer.publicKey };
  return { ...unsigned, signature: signer.sign(transactionSigningBytes(unsigned)) };
}

export function encodeTransaction(tx: Transaction): Uint8Array {
  return writeUnsigned(new Writer(encodedLength(tx)), tx)
    .bytes(tx.signature)
    .finish();
}

/**
 * The length of the encoding when every field is as the writer wants it, so the writer's buffer is
 * the result; a field it refuses throws there whatever this says.
 */
function encodedLength(tx: Transaction): number {
  const chainId = typeof tx.chainId === 'string' ? utf8Length(tx.chainId) : 0;
  const type = typeof tx.type === 'string' ? utf8Length(tx.type) : 0;
  return (
    1 +
    varuintLength(chainId) +
    chainId +
    4 +
    varuintLength(type) +
    type +
    varuintLength(tx.payload.length) +
    tx.payload.length +
    varuintLength(tx.sender.length) +
    tx.sender.length +
    8 +
    varuintLength(tx.signature.length) +
    tx.signature.length
  );
}

export function readTransaction(reader: Reader, scheme: SignatureScheme): Transaction {
  reader.version([TRANSACTION_VERSION], 'transaction');
  const chainId = readName(reader, MAX_CHAIN_ID_LENGTH, 'chain id');
  const shardId = reader.u32();
  const type = readName(reader, MAX_TYPE_LENGTH, 'transaction type');
  const payload = reader.bytesField(MAX_PAYLOAD_LENGTH);
  const senderAt = reader.position;
  const sender = reader.bytesField(scheme.publicKeyLength);
  const nonce = reader.u64Big();
  const signatureAt = reader.position;
  const signature = reader.bytesField(scheme.signatureLength);
  if (sender.length !== scheme.publicKeyLength) {
    throw new CodecError(
      'INVALID_VALUE',
      `sender key must be ${scheme.publicKeyLength} bytes for ${scheme.id}`,
      {
        offset: senderAt,
        length: sender.length,
      },
    );
  }
  if (signature.length !== scheme.signatureLength) {
    throw new CodecError(
      'INVALID_VALUE',
      `signature must be ${scheme.signatureLength} bytes for ${scheme.id}`,
      { offset: signatureAt, length: signature.length },
    );
  }
  return { chainId, shardId, type, payload, sender, nonce, signature };
}

/** The writer refuses an empty chain id or type, so the reader does too: what decodes re-encodes. */
function readName(reader: Reader, maxBytes: number, what: string): string {
  const at = reader.position;
  const value = reader.string(maxBytes);
  if (value.length === 0) throw new CodecError('INVALID_VALUE', `${what} at ${at} is empty`, { offset: at });
  return value;
}

/**
 * Decodes exactly one transaction. Every failure is a CodecError: truncation, trailing bytes,
 * bad lengths, unknown versions, and any input that would not re-encode to exactly itself (the
 * last is a guard: the field readers already refuse each such form), so a transaction has one
 * encoding and therefore one hash.
 */
export function decodeTransaction(bytes: Uint8Array, scheme: SignatureScheme): Transaction {
  const tx = decodeExact(bytes, (reader) => readTransaction(reader, scheme));
  let again: Uint8Array;
  try {
    again = encodeTransaction(tx);
  } catch (error) {
    throw new CodecError(
      'NON_CANONICAL',
      `transaction cannot be re-encoded: ${(error as Error).message}`,
      {},
    );
  }
  if (!bytesEqual(again, bytes)) {
    throw new CodecError('NON_CANONICAL', 'transaction does not re-encode to the bytes given', {});
  }
  return tx;
}

export function transactionHash(scheme: SignatureScheme, encoded: Uint8Array): Uint8Array {
  return scheme.hash(encoded);
}

/**
 * Everything the ledger checks about a transaction before it may be ordered: the chain and shard it
 * names and its signature. Nonces are checked at execution, against the state.
 */
export function checkTransaction(
  scheme: SignatureScheme,
  tx: Transaction,
  expected: { readonly chainId: string; readonly shardId: number },
): void {
  if (tx.chainId !== expected.chainId) {
    throw new LedgerError(
      'WRONG_CHAIN',
      `transaction is for chain "${tx.chainId}", not "${expected.chainId}"`,
      {
        chainId: tx.chainId,
      },
    );
  }
  if (tx.shardId !== expected.shardId) {
    throw new LedgerError('WRONG_SHARD', `transaction is for shard ${tx.shardId}, not ${expected.shardId}`, {
      shardId: tx.shardId,
    });
  }
  let valid: boolean;
  try {
    valid = scheme.verify(tx.sender, transactionSigningBytes(tx), tx.signature);
  } catch {
    throw new LedgerError('BAD_PUBLIC_KEY', 'sender is not a valid public key', {});
  }
  if (!valid) throw new LedgerError('BAD_SIGNATURE', 'transaction signature does not verify', {});
}
