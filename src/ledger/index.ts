export * from './application.js';
export * from './block.js';
export * from './chain-state.js';
export { type CommittedView, committedView } from './committed-view.js';
export { LedgerError, type LedgerErrorCode } from './errors.js';
export * from './executor.js';
export * from './generate.js';
export * from './genesis.js';
export { keyBytes, keyString } from './key-string.js';
export * from './merkle.js';
export { StateOverlay } from './overlay.js';
export * from './signed-transaction.js';
export * from './sparse-merkle.js';
export {
  type AuthenticatedState,
  isStringKeyed,
  type KeyValueState,
  type ReadableState,
  type StringKeyedState,
} from './state-interface.js';
export { type AppendOptions, LedgerStore, type StoredBlock } from './store.js';
export * from './transaction.js';
export * from './verify.js';
