import { decodeExact, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { LedgerError } from './errors.js';
import type { KeyValueState, ReadableState } from './state-interface.js';

/**
 * Replay protection with a window. Each sender has a base (every nonce below it is used) and a
 * bitmap of the NONCE_WINDOW nonces from the base up, marking those used out of order. A
 * transaction may carry any unused nonce inside the window, so a client that sends through
 * several validators, whose batches consensus may order either way, is not refused for a gap;
 * and a nonce, once used, can never be used again.
 */
export const NONCE_WINDOW = 256;

export interface NonceWindow {
  readonly base: bigint;
  /** Bit i (byte i >> 3, bit i & 7) set when base + i is used. */
  readonly used: Uint8Array;
}

export function nonceStateKey(sender: Uint8Array): Uint8Array {
  return new Writer(8 + sender.length).string('nonce').bytes(sender).finish();
}

export function readNonceWindow(state: ReadableState, sender: Uint8Array): NonceWindow {
  const stored = state.get(nonceStateKey(sender));
  if (stored === undefined) return { base: 0n, used: new Uint8Array(NONCE_WINDOW / 8) };
  return decodeExact(stored, (r: Reader) => ({ base: r.u64Big(), used: r.fixedBytes(NONCE_WINDOW / 8) }));
}

/** The lowest nonce the sender has not used. */
export function readNonce(state: ReadableState, sender: Uint8Array): bigint {
  return readNonceWindow(state, sender).base;
}

function isUsed(window: NonceWindow, offset: number): boolean {
  return ((window.used[offset >> 3]! >> (offset & 7)) & 1) === 1;
}

/** Whether `nonce` may be used now: BAD_NONCE if used already, NONCE_TOO_FAR beyond the window. */
export function checkNonce(window: NonceWindow, nonce: bigint): void {
  if (
    nonce < window.base ||
    (nonce < window.base + BigInt(NONCE_WINDOW) && isUsed(window, Number(nonce - window.base)))
  ) {
    throw new LedgerError('BAD_NONCE', `nonce ${nonce} was already used (next unused: ${window.base})`, {
      nonce: nonce.toString(),
    });
  }
  if (nonce >= window.base + BigInt(NONCE_WINDOW)) {
    throw new LedgerError(
      'NONCE_TOO_FAR',
      `nonce ${nonce} is beyond the window of ${NONCE_WINDOW} from ${window.base}`,
      {
        nonce: nonce.toString(),
      },
    );
  }
}

/** Marks `nonce` used (it must have passed checkNonce) and slides the window past used nonces. */
const EMPTY_WINDOW = new Uint8Array(NONCE_WINDOW / 8);

function encodeWindow(base: bigint, used: Uint8Array): Uint8Array {
  return new Writer(48)
    .u64Big(base)
    .fixedBytes(used, NONCE_WINDOW / 8)
    .finish();
}

export function useNonce(state: KeyValueState, sender: Uint8Array, window: NonceWindow, nonce: bigint): void {
  // The common case: the sender's next nonce, nothing used out of order.
  if (nonce === window.base && window.used.every((byte) => byte === 0)) {
    state.set(nonceStateKey(sender), encodeWindow(nonce + 1n, EMPTY_WINDOW));
    return;
  }
  const bits = new Uint8Array(window.used);
  const offset = Number(nonce - window.base);
  bits[offset >> 3]! |= 1 << (offset & 7);
  let shift = 0;
  while (shift < NONCE_WINDOW && ((bits[shift >> 3]! >> (shift & 7)) & 1) === 1) shift++;
  const next = new Uint8Array(NONCE_WINDOW / 8);
  for (let i = shift; i < NONCE_WINDOW; i++) {
    if (((bits[i >> 3]! >> (i & 7)) & 1) === 1) next[(i - shift) >> 3]! |= 1 << ((i - shift) & 7);
  }
  state.set(nonceStateKey(sender), encodeWindow(window.base + BigInt(shift), next));
}
