import { keyString } from '../ledger/key-string.js';
import { mustAbsorbLocally } from './access-rules.js';
import type { MarketAction } from './actions.js';
import { clearInterval } from './clearing.js';
import { moveCycle, revealDeadlineMs } from './cycle-clock.js';
import { MarketError } from './errors.js';
import type { Crossing, GridLocation } from './grid-interface.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import type { Cycle, Deal, Quotation } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

interface Side {
  price: number[];
  quantity: number[];
  group: number[];
  member: Uint8Array[];
  /** The member behind each order, by its number in the match (`Owners`). */
  memberId: number[];
  project: number[];
  /** The user (bids) or the member's project (offers) behind each order. */
  owner: number[];
}

const emptySide = (): Side => ({
  price: [],
  quantity: [],
  group: [],
  member: [],
  memberId: [],
  project: [],
  owner: [],
});

/**
 * Location groups: one per distinct connection point, numbered in order of first appearance. The
 * sellers of a 20-50 MW project form groups of their own, whose energy must stay within their
 * voltage level.
 */
class Locations {
  readonly points: GridLocation[] = [];
  readonly localOnly: boolean[] = [];
  private readonly index = new Map<string, number>();

  group(point: GridLocation, localOnly = false): number {
    const name = `${point.bus}/${point.voltageKv}/${localOnly ? 'L' : ''}`;
    let found = this.index.get(name);
    if (found === undefined) {
      found = this.points.length;
      this.points.push(point);
      this.localOnly.push(localOnly);
      this.index.set(name, found);
    }
    return found;
  }
}

/** Small numbers for the parties behind orders, in order of first appearance. */
class Owners {
  private readonly index = new Map<string, number>();
  get size(): number {
    return this.index.size;
  }
  of(name: string): number {
    let found = this.index.get(name);
    if (found === undefined) {
      found = this.index.size;
      this.index.set(name, found);
    }
    return found;
  }
}

/**
 * Matches one round of a closed cycle. Direct quotations go through the double auction of each
 * interval (every curve step is one order, in on-chain arrival order); entrusted and grid-purchase
 * quantities become deals with the cycle's grid enterprise. Each interval's public summary
 * (clearing price, volume, participants) is written to state.
 */
export function match(ctx: HandlerContext, action: Of<'match'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['closed']);
  // Matching before the reveal deadline would shut out members still entitled to reveal.
  const deadline = revealDeadlineMs(cycle, ctx.config);
  const unrevealed = unrevealedCount(ctx, cycle);
  if (unrevealed > 0 && ctx.context.blockTimeMs < deadline) {
    throw new MarketError(
      'NOT_DUE',
      `${unrevealed} sealed quotation(s) may still be revealed until ${deadline}`,
      {
        cycleId: cycle.cycleId,
        unrevealed,
        deadlineMs: deadline,
      },
    );
  }
  return matchNow(ctx, cycle, 'MATCHED', 'matched by the trading center');
}

/** Commitments of the current round that are neither revealed nor withdrawn. */
function unrevealedCount(ctx: HandlerContext, cycle: Cycle): number {
  let count = 0;
  for (const ref of ctx.store.quoteRefs(cycle.cycleId, cycle.round)) {
    const entry = ctx.store.quote(cycle.cycleId, ref.member, ref.quoteId)!;
    if (!entry.withdrawn && entry.quote === null) count++;
  }
  return count;
}

/** The match itself, by the trading center or, past the deadline, by rule. */
export function matchNow(ctx: HandlerContext, cycle: Cycle, code: string, reason: string): ActionDetail {
  const { store, config } = ctx;
  let lapsed = 0;
  const gridMember = store.member(cycle.gridEnterprise)!;
  const gridPoint = { bus: gridMember.bus, voltageKv: gridMember.voltageKv };
  const locations = new Locations();
  const owners = new Owners();
  // Members by number, so a match's pairs and deals are counted and totalled without a key's
  // name made per pair.
  const members = new Owners();
  const books = Array.from({ length: cycle.intervals }, () => ({ bids: emptySide(), offers: emptySide() }));
  const deals: Deal[] = [];
  /** Each deal's seller and, for a direct deal, buyer, by member number (-1 for none). */
  const dealSeller: number[] = [];
  const dealBuyer: number[] = [];
  let orders = 0;

  for (const ref of store.quoteRefs(cycle.cycleId, cycle.round)) {
    const entry = store.quote(cycle.cycleId, ref.member, ref.quoteId)!;
    if (!entry.withdrawn && entry.quote === null) lapsed++;
    if (entry.withdrawn || entry.quote === null) continue;
    const member = store.member(ref.member)!;
    if (member.status !== 'approved') continue;
    const quote: Quotation = entry.quote;
    const project = quote.side === 'sell' ? member.projects[quote.project]! : null;
    const point = project
      ? { bus: project.bus, voltageKv: project.voltageKv }
      : { bus: member.bus, voltageKv: member.voltageKv };
    const group = locations.group(point, project !== null && mustAbsorbLocally(project));
    const name = keyString(ref.member);
    const memberId = members.of(name);
    const owner = owners.of(`${name}/${quote.side === 'sell' ? quote.project : 'buy'}`);
    for (const curve of quote.curves) {
      if (quote.mode !== 'direct') {
        const energyWh = curve.steps.reduce((sum, step) => sum + step.energyWh, 0);
        deals.push(gridDeal(ctx, cycle, quote, ref.member, curve.interval, energyWh, point, gridPoint));
        dealSeller.push(memberId);
        dealBuyer.push(-1);
        orders++;
        continue;
      }
      const side = quote.side === 'buy' ? books[curve.interval]!.bids : books[curve.interval]!.offers;
      for (const step of curve.steps) {
        side.price.push(step.pricePerKwh);
        side.quantity.push(step.energyWh);
        side.group.push(group);
        side.member.push(ref.member);
        side.memberId.push(memberId);
        side.project.push(quote.project);
        side.owner.push(owner);
        orders++;
      }
    }
  }

  const crossings = locations.points.map((seller) =>
    locations.points.map((buyer) => crossing(ctx, seller, buyer)),
  );
  const fees = crossings.map((row) => row.map((c) => c.feePerKwh));
  // A 20-50 MW project's energy is absorbed within its own voltage level (paper §II.B.a).
  const allowed = crossings.map((row, g) =>
    row.map((c) => !locations.localOnly[g] || c.levelsAboveSeller === 0),
  );
  let matchedWh = 0;
  // The interval each member was last counted in as a participant.
  const countedIn = new Int32Array(members.size).fill(-1);
  for (let interval = 0; interval < cycle.intervals; interval++) {
    const { bids, offers } = books[interval]!;
    const result = clearInterval(
      {
        bidPrice: bids.price,
        bidQuantity: bids.quantity,
        bidGroup: bids.group,
        offerPrice: offers.price,
        offerQuantity: offers.quantity,
        offerGroup: offers.group,
        crossingFee: fees,
        allowed,
        bidOwner: bids.owner,
        offerOwner: offers.owner,
      },
      config.pricing,
    );
    let participants = 0;
    for (const pair of result.pairs) {
      const buyer = bids.memberId[pair.bid]!;
      const seller = offers.memberId[pair.offer]!;
      if (countedIn[buyer] !== interval) {
        countedIn[buyer] = interval;
        participants++;
      }
      if (countedIn[seller] !== interval) {
        countedIn[seller] = interval;
        participants++;
      }
      dealSeller.push(seller);
      dealBuyer.push(buyer);
      deals.push({
        round: cycle.round,
        interval,
        mode: 'direct',
        seller: offers.member[pair.offer]!,
        project: offers.project[pair.offer]!,
        buyer: bids.member[pair.bid]!,
        matchedWh: pair.quantity,
        energyWh: pair.quantity,
        adjustmentReason: '',
        sellerPricePerKwh: pair.sellerPricePerKwh,
        buyerPricePerKwh: pair.buyerPricePerKwh,
        feePerKwh: pair.feePerKwh,
      });
    }
    matchedWh += result.clearedQuantity;
    store.setSummary(cycle.cycleId, cycle.round, interval, {
      clearingPricePerKwh: result.clearingPrice,
      volumeWh: result.clearedQuantity,
      participants,
    });
  }

  // Matched volume counts against capacity in later rounds, on both sides.
  // One total per member and project, found by the member's number.
  type Total = { member: Uint8Array; project: number; byInterval: number[] };
  const totalsByMember: (Map<number, Total> | undefined)[] = [];
  const matchedTotals: Total[] = [];
  const addMatched = (
    memberId: number,
    member: Uint8Array,
    project: number,
    interval: number,
    wh: number,
  ) => {
    let byProject = totalsByMember[memberId];
    if (byProject === undefined) totalsByMember[memberId] = byProject = new Map();
    let slot = byProject.get(project);
    if (slot === undefined) {
      const before = store.matchedWh(cycle.cycleId, member, project);
      slot = {
        member,
        project,
        byInterval: Array.from({ length: cycle.intervals }, (_, i) => before[i] ?? 0),
      };
      byProject.set(project, slot);
      matchedTotals.push(slot);
    }
    slot.byInterval[interval]! += wh;
  };
  const byInterval: Deal[][] = Array.from({ length: cycle.intervals }, () => []);
  for (const deal of deals) byInterval[deal.interval]!.push(deal);
  byInterval.forEach((list, interval) => {
    if (list.length > 0) store.appendDeals(cycle.cycleId, interval, list);
  });
  deals.forEach((deal, i) => {
    addMatched(dealSeller[i]!, deal.seller, deal.project, deal.interval, deal.matchedWh);
    if (deal.mode === 'direct') addMatched(dealBuyer[i]!, deal.buyer, 0, deal.interval, deal.matchedWh);
  });
  for (const slot of matchedTotals) {
    store.setMatchedWh(cycle.cycleId, slot.member, slot.project, slot.byInterval);
  }
  const note = lapsed > 0 ? `; ${lapsed} sealed quotation(s) not revealed lapsed (QUOTE_NOT_REVEALED)` : '';
  moveCycle(ctx, cycle, 'matched', code, `${reason}${note}`);
  return { cycleId: cycle.cycleId, round: cycle.round, orders, deals: deals.length, matchedWh, lapsed };
}

const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** A fee from the grid side must be a whole, non-negative money amount per kWh. */
function crossing(ctx: HandlerContext, seller: GridLocation, buyer: GridLocation): Crossing {
  const answer = ctx.plugins.crossingFees.crossing(seller, buyer);
  if (!whole(answer.feePerKwh) || !whole(answer.levelsAboveSeller)) {
    throw new MarketError(
      'BAD_INPUT',
      `crossing fee table gave ${answer.feePerKwh} (${answer.levelsAboveSeller} levels up) from bus ${seller.bus} to bus ${buyer.bus}`,
      { seller, buyer },
    );
  }
  return answer;
}

/**
 * The two grid-enterprise modes. Entrusted sale: the grid enterprise sells the output at the
 * composite price and remits it less the crossing fee. Grid purchase: it buys at the benchmark
 * price, no crossing fee, and the per-kWh subsidy is recorded in the contract and settlement.
 */
function gridDeal(
  ctx: HandlerContext,
  cycle: Cycle,
  quote: Quotation,
  seller: Uint8Array,
  interval: number,
  energyWh: number,
  sellerPoint: GridLocation,
  gridPoint: GridLocation,
): Deal {
  const { config } = ctx;
  const entrusted = quote.mode === 'entrusted';
  const fee = entrusted ? crossing(ctx, sellerPoint, gridPoint).feePerKwh : 0;
  const buyerPrice = entrusted ? config.compositePricePerKwh : config.benchmarkPricePerKwh;
  return {
    round: cycle.round,
    interval,
    mode: quote.mode,
    seller,
    project: quote.project,
    buyer: cycle.gridEnterprise,
    matchedWh: energyWh,
    energyWh,
    adjustmentReason: '',
    sellerPricePerKwh: Math.max(0, buyerPrice - fee),
    buyerPricePerKwh: Math.max(buyerPrice, fee),
    feePerKwh: fee,
  };
}
