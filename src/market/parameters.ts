import { sha256 } from '../crypto/index.js';
import type { Codec } from './schema.js';

/**
 * The state's subsidy account when a genesis document names none: a fixed hash, so it is the same
 * on every chain and no one holds a signing key for it. It never sends transactions; settlement
 * debits it for the subsidy the rules have the state pay on the grid enterprise's purchases.
 */
export const DEFAULT_SUBSIDY_ACCOUNT: Uint8Array = sha256(
  new TextEncoder().encode('gridshard/market-subsidy-account'),
);

/**
 * Market parameters added to genesis after the first layout, with the value a genesis document
 * gets when it leaves one out. Every deadline is a span of block time in milliseconds; nothing
 * here reads a clock.
 */
export const MARKET_PARAMETER_DEFAULTS = {
  /**
   * Safety cap on resubmission rounds. The rules (section III.C.3) have unmatched parties
   * resubmit until they are matched or the gate closes, so the default does not bind in practice:
   * every round's gate must lie after its block and no later than delivery start.
   */
  resubmissionRounds: 100,
  /** Sealed quotations are revealed from gate closure until gate closure plus this span. */
  revealWindowMs: 1_800_000,
  /** How long a due step (close gate, match, contract) may wait for the trading center before any member's `advanceCycle` performs it by rule. */
  stepGraceMs: 900_000,
  /** From matching, the span in which the security check must be executed. */
  checkWindowMs: 3_600_000,
  /** Re-checks of an interval whose check failed, each after cutting its trades by `recheckCutBps`. */
  recheckAttempts: 3,
  recheckCutBps: 5_000,
  /** What a matched schedule whose check never came becomes: grid purchase at the benchmark price, or cancelled. */
  missedCheckFallback: 'gridPurchase' as 'gridPurchase' | 'cancel',
  /** After delivery ends, the span for meter readings; then settlement happens by rule. */
  meterWindowMs: 86_400_000,
  /**
   * Who pays the grid-purchase subsidy (section II.B.b, mode 3: the state subsidises the grid
   * enterprise's purchase): a well-known account whose balance goes negative by what it paid.
   */
  subsidyAccount: DEFAULT_SUBSIDY_ACCOUNT,
  /**
   * Whether a party's standing consent (the `consent` action) accepts the contracts written for it
   * afterwards; when false every party accepts each contract with its own `acceptContracts`.
   */
  standingConsent: true as boolean,
  /**
   * The crossing tariff by voltage level (money units per kWh) that `src/grid/fee.ts` prices trades
   * with; empty: no crossing fee.
   */
  tariffLevels: [] as { maxVoltageKv: number; tdPricePerKwh: number }[],
  /** Levels the lower of two connections on different buses climbs to reach the other. */
  levelsBetweenBuses: 0,
} as const;

export type MarketParameterName = keyof typeof MARKET_PARAMETER_DEFAULTS;

/**
 * A field that a genesis document may leave out: writing `undefined` writes the default, so a
 * configuration written before the field existed still validates and executes the same way.
 */
export function defaulted<T>(codec: Codec<T>, fallback: T): Codec<T> {
  return {
    write: (w, v) => codec.write(w, v === undefined ? fallback : v),
    read: (r) => codec.read(r),
  };
}
