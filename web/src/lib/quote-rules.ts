/**
 * The chain's checks of a quotation (src/market/quotes.ts `validateQuote`), made in the browser
 * before it is sealed: a sealed quotation is only validated at reveal, when it is too late to fix.
 * Energy already matched or quoted in the round is not visible here; the chain counts it too.
 */
import type { MarketRules } from './market-chain.js';
import type { Quotation } from './market-tx.js';

export type QuoteProblem =
  | { readonly rule: 'side' }
  | { readonly rule: 'buyMode' }
  | { readonly rule: 'project'; readonly project: number }
  | { readonly rule: 'noCurves' }
  | { readonly rule: 'intervalOutside'; readonly interval: number }
  | { readonly rule: 'intervalTwice'; readonly interval: number }
  | { readonly rule: 'tooManySteps'; readonly interval: number }
  | { readonly rule: 'energy' }
  | { readonly rule: 'setPrice'; readonly mode: string }
  | { readonly rule: 'price'; readonly price: number; readonly floor: number; readonly cap: number }
  | {
      readonly rule: 'capacity';
      readonly interval: number;
      readonly energyWh: number;
      readonly capacityWh: number;
      readonly kw: number;
    };

export interface Quoter {
  readonly role: string;
  readonly maxLoadKw: number;
  readonly approvedKw: readonly number[];
}

export const intervalCapacityWh = (powerKw: number, intervalMs: number) =>
  Math.floor((powerKw * intervalMs) / 3600);

export function checkQuotation(
  quote: Quotation,
  member: Quoter,
  cycle: { intervals: number; intervalMs: number },
  rules: MarketRules,
): QuoteProblem[] {
  const out: QuoteProblem[] = [];
  const expected = member.role === 'generator' ? 'sell' : 'buy';
  if (quote.side !== expected) out.push({ rule: 'side' });
  if (quote.side === 'buy' && quote.mode !== 'direct') out.push({ rule: 'buyMode' });
  if (quote.side === 'sell' && (member.approvedKw[quote.project] ?? 0) === 0)
    out.push({ rule: 'project', project: quote.project });
  if (quote.curves.length === 0) out.push({ rule: 'noCurves' });
  const seen = new Set<number>();
  for (const curve of quote.curves) {
    if (curve.interval >= cycle.intervals) out.push({ rule: 'intervalOutside', interval: curve.interval });
    if (seen.has(curve.interval)) out.push({ rule: 'intervalTwice', interval: curve.interval });
    seen.add(curve.interval);
    if (curve.steps.length > 16) out.push({ rule: 'tooManySteps', interval: curve.interval });
    for (const step of curve.steps) {
      if (step.energyWh <= 0) out.push({ rule: 'energy' });
      if (quote.mode !== 'direct') {
        if (step.pricePerKwh !== 0) out.push({ rule: 'setPrice', mode: quote.mode });
      } else if (step.pricePerKwh < rules.priceFloorPerKwh || step.pricePerKwh > rules.priceCapPerKwh) {
        out.push({
          rule: 'price',
          price: step.pricePerKwh,
          floor: rules.priceFloorPerKwh,
          cap: rules.priceCapPerKwh,
        });
      }
    }
    const kw = member.role === 'generator' ? (member.approvedKw[quote.project] ?? 0) : member.maxLoadKw;
    const capacityWh = intervalCapacityWh(kw, cycle.intervalMs);
    const energyWh = curve.steps.reduce((sum, s) => sum + s.energyWh, 0);
    if (energyWh > capacityWh)
      out.push({ rule: 'capacity', interval: curve.interval, energyWh, capacityWh, kw });
  }
  return out;
}
