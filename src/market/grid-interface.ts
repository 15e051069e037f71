/**
 * What the market asks of the grid, kept tiny so the grid engine (AC power flow, congestion
 * management) plugs in later behind the same two interfaces. Both must be deterministic: every
 * node executing the same transactions must get the same answers.
 */
export interface GridLocation {
  readonly bus: number;
  readonly voltageKv: number;
}

/** What energy from a seller's to a buyer's connection point crosses, and what it costs. */
export interface Crossing {
  /** Network crossing fee, integer money units per kWh. */
  readonly feePerKwh: number;
  /** Voltage levels the energy climbs above the seller's own (0: it stays within the seller's level). */
  readonly levelsAboveSeller: number;
}

export interface CrossingFeeTable {
  crossing(seller: GridLocation, buyer: GridLocation): Crossing;
}

/** One matched trade of one interval, as the security check sees it. */
export interface ScheduleEntry {
  /** Identifies the trade in the answer (the deal's index in the cycle). */
  readonly id: number;
  /** Hex public keys of the seller and the buyer. */
  readonly seller: string;
  readonly buyer: string;
  readonly sellerBus: number;
  readonly buyerBus: number;
  readonly energyWh: number;
  /** Average power over the interval: energyWh / interval hours / 1000. */
  readonly powerKw: number;
}

export interface ScheduleInterval {
  readonly interval: number;
  readonly intervalMs: number;
  readonly entries: readonly ScheduleEntry[];
}

export interface Violation {
  readonly interval: number;
  /** The limited element, e.g. "bus 7 export". */
  readonly element: string;
  readonly limitKw: number;
  readonly scheduledKw: number;
}

/** A trade whose volume congestion management cut, with the reason recorded in its contract. */
export interface Adjustment {
  readonly id: number;
  readonly energyWh: number;
  readonly reason: string;
}

export interface SecurityCheckResult {
  readonly violations: Violation[];
  readonly adjustments: Adjustment[];
}

export interface SecurityChecker {
  check(schedule: readonly ScheduleInterval[]): SecurityCheckResult;
}
