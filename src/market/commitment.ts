import { Writer } from '../codec/index.js';
import { sha256 } from '../crypto/index.js';
import { type Quotation, quotationCodec } from './records.js';

/**
 * The sealed-bid commitment: SHA-256 over a domain tag, the member, the cycle, the quote id, the
 * quotation's canonical bytes and a 32-byte secret salt. The salt hides the prices (nobody can
 * test guesses against the hash); binding the member and ids stops one member replaying another's
 * commitment as its own.
 */
export function quoteCommitment(
  member: Uint8Array,
  cycleId: string,
  quoteId: string,
  quote: Quotation,
  salt: Uint8Array,
): Uint8Array {
  const writer = new Writer(128);
  writer.string('gridshard/market-quote-commitment').fixedBytes(member, 32).string(cycleId).string(quoteId);
  quotationCodec.write(writer, quote);
  writer.fixedBytes(salt, 32);
  return sha256(writer.finish());
}
