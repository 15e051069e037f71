import { decodeExact, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
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
export const MAX_CHAIN_ID_LENGTH = 64;
export const MAX_TYPE_LENGTH = 64;
export const MAX_PAYLOAD_LENGTH = 64 * 1024;

// A domain tag in front of the signed bytes, so a transaction signature can never be replayed as a
// signature over a block, a consensus message or anything else the same key signs.
const SIGNING_DOMAIN = new TextEncoder().encode('gridshard/tx/v1');

function writeUnsigned(writer: Writer, tx: UnsignedTransaction): Writer {
  if (tx.chainId.length === 0 || tx.chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw new LedgerError('INVALID_PAYLOAD', `chain id must be 1..${MAX_CHAIN_ID_LENGTH} characters`, {});
  }
  if (tx.type.length === 0 || tx.type.length > MAX_TYPE_LENGTH) {
    throw new LedgerError('INVALID_PAYLOAD', `transaction type must be 1..${MAX_TYPE_LENGTH} characters`, {});
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
  return writeUnsigned(new Writer(192 + tx.payload.length), tx)
    .bytes(tx.signature)
    .finish();
}

export function readTransaction(reader: Reader, scheme: SignatureScheme): Transaction {
  reader.version([TRANSACTION_VERSION], 'transaction');
  const chainId = reader.string(MAX_CHAIN_ID_LENGTH);
  const shardId = reader.u32();
  const type = reader.string(MAX_TYPE_LENGTH);
  const payload = reader.bytesField(MAX_PAYLOAD_LENGTH);
  const sender = reader.bytesField(scheme.publicKeyLength);
  const nonce = reader.u64Big();
  const signature = reader.bytesField(scheme.signatureLength);
  if (sender.length !== scheme.publicKeyLength) {
    throw new LedgerError(
      'BAD_PUBLIC_KEY',
      `sender key must be ${scheme.publicKeyLength} bytes for ${scheme.id}`,
      {
        length: sender.length,
      },
    );
  }
  if (signature.length !== scheme.signatureLength) {
    throw new LedgerError(
      'BAD_SIGNATURE',
      `signature must be ${scheme.signatureLength} bytes for ${scheme.id}`,
      {
        length: signature.length,
      },
    );
  }
  return { chainId, shardId, type, payload, sender, nonce, signature };
}

/** Decodes exactly one transaction; trailing bytes, bad lengths and unknown versions are typed errors. */
export function decodeTransaction(bytes: Uint8Array, scheme: SignatureScheme): Transaction {
  return decodeExact(bytes, (reader) => readTransaction(reader, scheme));
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
