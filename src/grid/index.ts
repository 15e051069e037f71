/**
 * The distribution-grid engine: model, MATPOWER and JSON import, AC power flow (sweep and
 * Newton-Raphson), security check, congestion management and the network crossing fee. Pure and
 * deterministic: no I/O, no clock, no randomness.
 */

export { caracas141Feeder } from './case141.js';
export {
  type Adjustment,
  type CongestionObjective,
  type CongestionOptions,
  type CongestionResult,
  type IntervalResolution,
  resolveCongestion,
  resolveCongestionWith,
} from './congestion.js';
export { GridError, type GridErrorCode } from './errors.js';
export {
  type ConnectionPoint,
  type CrossingFee,
  type CrossingTariff,
  checkTariff,
  crossingFee,
  crossingFeeBetweenBuses,
  crossingFeePerKwh,
  type TariffLevel,
  tariffFromJson,
} from './fee.js';
export { loadHighs } from './highs.js';
export { ieee33Feeder } from './ieee33.js';
export { GRID_FORMAT, GRID_FORMAT_VERSION, type GridDocument, gridFromJson, gridToJson } from './json.js';
export { importMatpowerCase, type MatpowerImport, parseMatpowerCase } from './matpower.js';
export type { Branch, Bus, BusType, Generator, Grid, Injection, Load, Substation } from './model.js';
export {
  type BranchResult,
  type BusResult,
  PowerFlowEngine,
  type PowerFlowMethod,
  type PowerFlowOptions,
  type PowerFlowResult,
  runPowerFlow,
} from './powerflow.js';
export {
  type Schedule,
  type ScheduleEntry,
  scheduleFromJson,
  validateSchedule,
} from './schedule.js';
export {
  type IntervalCheck,
  type SecurityOptions,
  type SecurityReport,
  securityCheck,
  type Violation,
  violationKey,
} from './security.js';
export type { SensitivityMethod } from './sensitivity.js';
export {
  congestedSyntheticCase,
  ratedFeeder,
  syntheticRadialFeeder,
  syntheticSchedule,
} from './synthetic.js';
export { validateGrid } from './validate.js';
