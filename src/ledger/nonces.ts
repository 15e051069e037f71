import { decodeExact, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { LedgerError } from './errors.js';
import { keyString } from './key-string.js';
import type { KeyValueState, ReadableState, StringKeyedState } from './state-interface.js';

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
  return decodeWindow(stored);
}

function decodeWindow(stored: Uint8Array): NonceWindow {
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

const EMPTY_WINDOW = new Uint8Array(NONCE_WINDOW / 8);

function encodeWindow(window: NonceWindow): Uint8Array {
  // Sized exactly (u64 and the bitmap), so the writer's buffer is the value.
  return new Writer(8 + NONCE_WINDOW / 8)
    .u64Big(window.base)
    .fixedBytes(window.used, NONCE_WINDOW / 8)
    .finish();
}

function isEmpty(used: Uint8Array): boolean {
  for (let i = 0; i < used.length; i++) if (used[i] !== 0) return false;
  return true;
}

/** The window after `nonce` (which passed checkNonce) is used: marked, then slid past used nonces. */
function windowAfter(window: NonceWindow, nonce: bigint): NonceWindow {
  // The common case: the sender's next nonce, nothing used out of order.
  if (nonce === window.base && isEmpty(window.used)) return { base: nonce + 1n, used: EMPTY_WINDOW };
  const bits = new Uint8Array(window.used);
  const offset = Number(nonce - window.base);
  bits[offset >> 3]! |= 1 << (offset & 7);
  let shift = 0;
  while (shift < NONCE_WINDOW && ((bits[shift >> 3]! >> (shift & 7)) & 1) === 1) shift++;
  const next = new Uint8Array(NONCE_WINDOW / 8);
  for (let i = shift; i < NONCE_WINDOW; i++) {
    if (((bits[i >> 3]! >> (i & 7)) & 1) === 1) next[(i - shift) >> 3]! |= 1 << ((i - shift) & 7);
  }
  return { base: window.base + BigInt(shift), used: next };
}

/** Marks `nonce` used (it must have passed checkNonce) and slides the window past used nonces. */
export function useNonce(state: KeyValueState, sender: Uint8Array, window: NonceWindow, nonce: bigint): void {
  state.set(nonceStateKey(sender), encodeWindow(windowAfter(window, nonce)));
}

/** `keyString(nonceStateKey(sender))`, without the intermediate bytes. */
const NONCE_KEY_PREFIX = keyString(new Writer(8).string('nonce').finish());

function nonceKeyString(sender: Uint8Array): string {
  // The sender's length is a one-byte varint for every key length a scheme has (32 or 65).
  if (sender.length >= 0x80) return keyString(nonceStateKey(sender));
  return NONCE_KEY_PREFIX + String.fromCharCode(sender.length) + keyString(sender);
}

/**
 * The nonce windows of one block's senders. A sender with many transactions in a block has its
 * window decoded once: each window written is remembered with the exact value object written, and
 * reused as long as the state still holds that object. Anything else that wrote the key makes the
 * next read decode the state's value again, so the state stays the only source of truth.
 */
export class BlockNonces {
  private readonly written = new Map<string, { stored: Uint8Array; window: NonceWindow }>();

  constructor(private readonly state: StringKeyedState) {}

  /** The sender's window and the key it is stored under. */
  read(sender: Uint8Array): { key: string; window: NonceWindow } {
    const key = nonceKeyString(sender);
    const stored = this.state.getByString(key);
    if (stored === undefined) return { key, window: { base: 0n, used: EMPTY_WINDOW } };
    const known = this.written.get(key);
    if (known !== undefined && known.stored === stored) return { key, window: known.window };
    return { key, window: decodeWindow(stored) };
  }

  /** Marks `nonce` used in the window `read` gave (it must have passed checkNonce). */
  use(key: string, window: NonceWindow, nonce: bigint): void {
    const next = windowAfter(window, nonce);
    const stored = encodeWindow(next);
    this.state.setByString(key, stored);
    this.written.set(key, { stored, window: next });
  }
}
