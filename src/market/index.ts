/** The power-market smart contracts: what the node, the CLI and the tests use. */
export { checkProjectAccess, netCapacityKw } from './access-rules.js';
export {
  decodeMarketPayload,
  type ExecutionContext,
  encodeMarketPayload,
  MARKET_PAYLOAD_VERSION,
  type MarketAction,
  type MarketActionType,
  marketActionCodec,
  type TransactionContext,
} from './actions.js';
export { type ClearingResult, clearInterval, type OrderBook, type PricingRule } from './clearing.js';
export { quoteCommitment } from './commitment.js';
export { checkCrossingConfig, TariffFeeTable } from './crossing-tariff.js';
export {
  checkDeadlineMs,
  type DueStep,
  deliveryEndMs,
  nextDeadline,
  revealDeadlineMs,
} from './cycle-clock.js';
export {
  DEADLINE_RETRY_MS,
  type DeadlineOutcome,
  MAX_DUE_CYCLES_PER_BLOCK,
  runDueDeadlines,
} from './deadlines.js';
export { type Actor, MarketDriver, type RecordedAction, type Signer, signerFromSeed } from './driver.js';
export { MarketError, type MarketErrorCode } from './errors.js';
export { executeMarketAction, initMarket, type MarketResult, pluginsFromConfig } from './executor.js';
export { applyAdjustments, securityCheckProblems } from './grid-compliance.js';
export { BusExportLimitChecker } from './grid-doubles.js';
export type * from './grid-interface.js';
export type { MarketPlugins } from './handler-context.js';
export {
  MARKET_TX_TYPE,
  marketApplication,
  marketGenesisState,
  signMarketEnvelope,
} from './ledger-application.js';
export { MemoryState } from './memory-state.js';
export { clearPlainOrders, type PlainClearing, type PlainOrder, parseOrderFile } from './order-book.js';
export { MARKET_PARAMETER_DEFAULTS } from './parameters.js';
export * from './records.js';
export { runSimulation, type SimulationReport, simulateMarket } from './simulate.js';
export { MarketStore } from './store.js';
