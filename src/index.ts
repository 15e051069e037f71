/**
 * GridShard as a library: the ledger, the crypto suites and the client. The contracts and the grid
 * engine have their own entry points (`gridshard/market`, `gridshard/grid`), as does the SDK.
 */
export * as codec from './codec/index.js';
export * as crypto from './crypto/index.js';
export { GridShardError, isGridShardError } from './errors.js';
export * as ledger from './ledger/index.js';
export * as sdk from './sdk/index.js';
