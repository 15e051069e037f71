/**
 * The state a deterministic application (the market contracts) reads and writes while executing
 * ordered transactions. Keys and values are canonical bytes. It is synchronous on purpose:
 * execution is a pure function of (previous state, block), so the working set lives in memory
 * and the store persists a block's writes in one atomic batch afterwards.
 *
 * Implementations: the ledger's authenticated state (a sparse Merkle tree whose root goes into
 * the block header) and any in-memory map used by tests and the simulator.
 */
export interface ReadableState {
  get(key: Uint8Array): Uint8Array | undefined;
}

export interface KeyValueState extends ReadableState {
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** A state that commits to its whole content with a 32-byte root. */
export interface AuthenticatedState extends KeyValueState {
  root(): Uint8Array;
}

/**
 * A state also addressed by key strings (`keyString`), so an overlay on top of it converts each
 * key once rather than on every read and again at commit. Values passed in are taken over.
 */
export interface StringKeyedState extends KeyValueState {
  getByString(key: string): Uint8Array | undefined;
  setByString(key: string, value: Uint8Array): void;
  deleteByString(key: string): void;
}

export function isStringKeyed(state: KeyValueState): state is StringKeyedState {
  const candidate = state as Partial<StringKeyedState>;
  return (
    typeof candidate.getByString === 'function' &&
    typeof candidate.setByString === 'function' &&
    typeof candidate.deleteByString === 'function'
  );
}
