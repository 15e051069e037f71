import { Reader, Writer } from '../codec/index.js';
import type { EpochMessage } from '../validator/epochs.js';

/**
 * A consensus message on the wire of a chain whose committee hands over: its epoch, then the
 * protocol's own bytes. The epoch routes it to that epoch's core (docs/ROLES.md); the signatures
 * inside bind the epoch too, so a copy re-tagged with another epoch fails its checks there.
 */
export function encodeEpochMessage<M>(
  message: EpochMessage<M>,
  encode: (message: M) => Uint8Array,
): Uint8Array {
  const inner = encode(message.message);
  return new Writer(8 + inner.length).u64(message.epoch).fixedBytes(inner, inner.length).finish();
}

/** Throws a CodecError on malformed bytes (the protocol's decoder checks the rest). */
export function decodeEpochMessage<M>(bytes: Uint8Array, decode: (bytes: Uint8Array) => M): EpochMessage<M> {
  const reader = new Reader(bytes);
  const epoch = reader.u64();
  return { epoch, message: decode(reader.fixedBytes(reader.remaining)) };
}
