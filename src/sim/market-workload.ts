import { sha256, toHex } from '../crypto/hash.js';
import { type Signer as EnvelopeSigner, ed25519Scheme } from '../crypto/scheme.js';
import { ieee33Feeder } from '../grid/ieee33.js';
import { gridToJson } from '../grid/json.js';
import type { StateEntry } from '../ledger/genesis.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { encodeTransaction } from '../ledger/transaction.js';
import type { MarketAction } from '../market/actions.js';
import { quoteCommitment } from '../market/commitment.js';
import { type Signer, signerFromSeed } from '../market/driver.js';
import { gridGenesisEntry } from '../market/grid-plugins.js';
import { contractedByParticipant } from '../market/invariants.js';
import { marketGenesisState, signMarketEnvelope } from '../market/ledger-application.js';
import type { MarketConfig, Quotation } from '../market/records.js';
import { simulationConfig } from '../market/simulate.js';
import { MarketStore } from '../market/store.js';
import type { PlannedTransaction } from './workload.js';

const encoder = new TextEncoder();

export const SIM_CYCLE_ID = 'sim-cycle';
export const SIM_INTERVALS = 2;
const INTERVAL_MS = 1000;

/**
 * One short trading cycle in virtual time (block time is virtual time through the proposers' time
 * markers). Each step has the earliest time its client considers it; the client then waits until
 * what the step needs is in its validator's state (see `send` in `schedule`). The trading center
 * sets the gate and delivery from the block time it reads when it opens the cycle, and every
 * deadline is short, so a step that consensus delays too long is taken over by rule through the
 * members' `advanceCycle` and the cycle ends settled within the run.
 */
const T = {
  register: 0,
  admitInstitutions: 200,
  admitTraders: 400,
  cycle: 600,
  /** `advanceCycle` from here on, every ADVANCE_EVERY_MS, ADVANCES times. */
  advance: 8600,
} as const;
/** The gate closes this long after the block time the trading center reads; delivery starts later. */
const GATE_AFTER_MS = 2000;
const DELIVERY_AFTER_GATE_MS = 2000;
const ADVANCE_EVERY_MS = 700;
/** Sealed quotations are revealed for this long after gate closure; matching waits for the end. */
const REVEAL_WINDOW_MS = 1500;
/** Settlement waits this long past delivery end for the readings. */
const READINGS_PAUSE_MS = 400;
const ADVANCES = 6;
/** How long after its earliest time a client waits for what its step needs before sending it anyway. */
const MAX_WAIT_MS = 9000;

interface Trader {
  readonly name: string;
  readonly role: 'generator' | 'user';
  readonly bus: number;
  readonly powerKw: number;
  readonly pricePerKwh: number;
}

/** Two distributed generators and two power users on the IEEE 33-bus feeder. */
const TRADERS: readonly Trader[] = [
  { name: 'pv-6', role: 'generator', bus: 6, powerKw: 600, pricePerKwh: 330 },
  { name: 'wind-13', role: 'generator', bus: 13, powerKw: 800, pricePerKwh: 350 },
  { name: 'factory-8', role: 'user', bus: 8, powerKw: 900, pricePerKwh: 470 },
  { name: 'campus-17', role: 'user', bus: 17, powerKw: 500, pricePerKwh: 440 },
];

interface Actor {
  readonly name: string;
  readonly market: Signer;
  readonly envelope: EnvelopeSigner;
  /** The validator this client hands its transactions to (set with the schedule). */
  home: number;
  envelopeNonce: bigint;
  /** Envelope nonces of what it signed, to tell what is still in flight. */
  readonly signed: { envelopeNonce: bigint }[];
}

/** What the market workload needs from the simulator: a validator's state and what it executed. */
export interface MarketChainReader {
  state(instance: number): ReadableState;
  executed(instance: number, sender: Uint8Array, envelopeNonce: bigint): boolean;
  /** The block time of the last block the validator executed. */
  blockTimeMs(instance: number): number;
}

export function simMarketConfig(operator: Uint8Array): MarketConfig {
  return {
    ...simulationConfig(operator, 33),
    marketId: 'sim-ieee33',
    // Deadlines of a cycle that lasts seconds of virtual time (see T).
    revealWindowMs: REVEAL_WINDOW_MS,
    stepGraceMs: 500,
    checkWindowMs: 1000,
    meterWindowMs: 1500,
    tariffLevels: [
      { maxVoltageKv: 10, tdPricePerKwh: 60 },
      { maxVoltageKv: 35, tdPricePerKwh: 40 },
    ],
    levelsBetweenBuses: 1,
    busLimits: [{ bus: 18, exportLimitKw: 250 }],
  };
}

/**
 * The market workload of one seed: the institutions (operator, trading center, grid enterprise)
 * and the traders, the genesis they trade on (market configuration and the feeder's grid model),
 * and the cycle's transactions, each signed when handed over with its client's next envelope
 * nonce, as a client of the API does.
 */
export class MarketWorkload {
  readonly operator: Actor;
  readonly tradingCenter: Actor;
  readonly gridEnterprise: Actor;
  readonly traders: { spec: Trader; actor: Actor }[];
  readonly config: MarketConfig;
  private readonly salt: (trader: number) => Uint8Array;
  private readonly deviation: (trader: number, interval: number) => number;

  constructor(
    private readonly seed: number,
    private readonly chainId: string,
  ) {
    const actor = (name: string): Actor => {
      const secret = sha256(encoder.encode(`gridshard/sim/market/${seed}/${name}`));
      return {
        name,
        market: signerFromSeed(secret),
        envelope: ed25519Scheme.signer(secret),
        home: 0,
        envelopeNonce: 0n,
        signed: [],
      };
    };
    this.operator = actor('operator');
    this.tradingCenter = actor('trading-center');
    this.gridEnterprise = actor('grid-enterprise');
    this.traders = TRADERS.map((spec) => ({ spec, actor: actor(spec.name) }));
    this.config = simMarketConfig(this.operator.market.publicKey);
    this.salt = (trader) => sha256(encoder.encode(`gridshard/sim/market/${seed}/salt/${trader}`));
    // Metered energy is the contract's, off by up to ±6 % (a byte of a seeded hash).
    this.deviation = (trader, interval) =>
      0.94 +
      (0.12 * sha256(encoder.encode(`gridshard/sim/market/${seed}/meter/${trader}/${interval}`))[0]!) / 255;
  }

  /** The chain's state before block 1: the market's genesis records and the grid model, in key order. */
  genesisState(): StateEntry[] {
    const entries = [...marketGenesisState(this.config), gridGenesisEntry(gridToJson(ieee33Feeder()))];
    return entries.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /** Every trader's key, for the market's capacity invariant. */
  traderKeys(): { signer: { publicKey: Uint8Array } }[] {
    return this.traders.map(({ actor }) => ({ signer: { publicKey: actor.market.publicKey } }));
  }

  /** The cycle's transactions; client k hands its own to honest validator k mod |honest|. */
  schedule(reader: MarketChainReader, honest: readonly number[]): PlannedTransaction[] {
    [this.operator, this.tradingCenter, this.gridEnterprise, ...this.traders.map((t) => t.actor)].forEach(
      (actor, k) => {
        actor.home = honest[k % honest.length]!;
      },
    );
    const out: PlannedTransaction[] = [];
    /**
     * A client hands a step over once its own earlier transactions are executed at its validator
     * and what the step needs is there (`ready`), as the devnet's demo market waits for each
     * commit; after MAX_WAIT_MS it sends anyway and takes the refusal.
     */
    const send = (
      atMs: number,
      actor: Actor,
      action: (state: ReadableState, blockTimeMs: number) => MarketAction,
      ready?: (store: MarketStore, blockTimeMs: number) => boolean,
    ) =>
      out.push({
        atMs,
        to: actor.home,
        tx: (instance, nowMs) => {
          const state = reader.state(instance);
          // The client's clock: blocks are cut only when there is something to order, so the last
          // block's time can lag; the block that takes this step is stamped about now.
          const blockTimeMs = Math.max(nowMs, reader.blockTimeMs(instance));
          const waiting =
            nowMs < atMs + MAX_WAIT_MS &&
            (actor.signed.some(
              (s) => !reader.executed(instance, actor.envelope.publicKey, s.envelopeNonce),
            ) ||
              (ready !== undefined && !ready(new MarketStore(readOnly(state)), blockTimeMs)));
          return waiting ? null : this.sign(actor, action(state, blockTimeMs));
        },
      });
    const approved = (key: Uint8Array) => (store: MarketStore) => store.member(key)?.status === 'approved';
    const registered = (keys: Uint8Array[]) => (store: MarketStore) =>
      keys.every((key) => store.member(key) !== undefined);
    const inState = (state: string) => (store: MarketStore) => store.cycle(SIM_CYCLE_ID)?.state === state;
    /** The cycle is in `state` and the validator's block time has passed `at` of the cycle. */
    const past =
      (state: string, at: (cycle: { gateClosureMs: number; deliveryStartMs: number }) => number) =>
      (store: MarketStore, blockTimeMs: number) => {
        const cycle = store.cycle(SIM_CYCLE_ID);
        return cycle?.state === state && blockTimeMs >= at(cycle);
      };
    const deliveryEnd = (cycle: { deliveryStartMs: number }) =>
      cycle.deliveryStartMs + SIM_INTERVALS * INTERVAL_MS;
    const cycleId = SIM_CYCLE_ID;
    const tc = this.tradingCenter;
    const ge = this.gridEnterprise;
    for (const [who, role] of [
      [tc, 'tradingCenter'],
      [ge, 'gridEnterprise'],
    ] as const) {
      send(T.register, who, () => register(who.name, role, 0, 110, 0));
    }
    this.traders.forEach(({ spec, actor }) => {
      send(T.register, actor, () => register(spec.name, spec.role, spec.bus, 10, spec.powerKw, spec));
      send(T.register, actor, () => ({ type: 'consent', standing: true }));
    });
    for (const who of [tc, ge]) {
      send(
        T.admitInstitutions,
        this.operator,
        () => ({ type: 'audit', member: who.market.publicKey, approve: true, note: '' }),
        registered([who.market.publicKey]),
      );
    }
    send(T.admitInstitutions, ge, () => ({ type: 'consent', standing: true }));
    const traderKeys = this.traders.map(({ actor }) => actor.market.publicKey);
    send(
      T.admitTraders,
      tc,
      () => ({
        type: 'auditBatch',
        decisions: traderKeys.map((member) => ({ member, approve: true, note: '' })),
      }),
      (store) => approved(tc.market.publicKey)(store) && registered(traderKeys)(store),
    );
    send(
      T.cycle,
      tc,
      (_, blockTimeMs) => ({
        type: 'openCycle',
        cycleId,
        intervals: SIM_INTERVALS,
        intervalMs: INTERVAL_MS,
        deliveryStartMs: blockTimeMs + GATE_AFTER_MS + DELIVERY_AFTER_GATE_MS,
        gateClosureMs: blockTimeMs + GATE_AFTER_MS,
        gridEnterprise: ge.market.publicKey,
      }),
      (store) => approved(tc.market.publicKey)(store) && traderKeys.every((key) => approved(key)(store)),
    );
    const open = inState('open');
    this.traders.forEach(({ actor }, i) => {
      const quote = this.quote(i);
      const commitment = quoteCommitment(actor.market.publicKey, cycleId, 'q0', quote, this.salt(i));
      send(T.cycle, actor, () => ({ type: 'commitQuote', cycleId, quoteId: 'q0', commitment }), open);
      send(
        T.cycle,
        actor,
        () => ({ type: 'revealQuote', cycleId, quoteId: 'q0', quote, salt: this.salt(i) }),
        inState('closed'),
      );
    });
    send(
      T.cycle,
      tc,
      () => ({ type: 'closeGate', cycleId }),
      past('open', (c) => c.gateClosureMs),
    );
    // Matching waits for the reveal window to end: then no quotation that could still come is shut out.
    send(
      T.cycle,
      tc,
      () => ({ type: 'match', cycleId }),
      past('closed', (c) => c.gateClosureMs + REVEAL_WINDOW_MS),
    );
    send(T.cycle, ge, () => ({ type: 'check', cycleId }), inState('matched'));
    send(T.cycle, tc, () => ({ type: 'contract', cycleId }), inState('checked'));
    send(
      T.cycle,
      ge,
      (state) => ({ type: 'meterReadings', cycleId, meters: this.readings(state) }),
      past('contracted', deliveryEnd),
    );
    send(
      T.cycle,
      tc,
      () => ({ type: 'settle', cycleId }),
      past('contracted', (c) => deliveryEnd(c) + READINGS_PAUSE_MS),
    );
    for (let k = 0; k < ADVANCES; k++) {
      const { actor } = this.traders[k % this.traders.length]!;
      send(T.advance + k * ADVANCE_EVERY_MS, actor, () => ({ type: 'advanceCycle', cycleId }));
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  /** A sealed quotation per trader: both intervals, within its capacity. */
  private quote(i: number): Quotation {
    const spec = this.traders[i]!.spec;
    const capWh = Math.floor((spec.powerKw * INTERVAL_MS) / 3600);
    const sell = spec.role === 'generator';
    return {
      side: sell ? 'sell' : 'buy',
      mode: 'direct',
      project: 0,
      curves: Array.from({ length: SIM_INTERVALS }, (_, interval) => ({
        interval,
        steps: [
          {
            pricePerKwh: spec.pricePerKwh + ((this.seed + i + interval) % 3) * 10,
            energyWh: Math.floor((capWh * (sell ? 70 : 45 + 10 * interval)) / 100),
          },
        ],
      })),
    };
  }

  /** The meter data system's batch: each contracted participant's energy, off by its deviation. */
  private readings(state: ReadableState) {
    const store = new MarketStore(readOnly(state));
    const contracted = contractedByParticipant(store, SIM_CYCLE_ID, SIM_INTERVALS);
    const index = new Map(this.traders.map(({ actor }, i) => [toHex(actor.market.publicKey), i]));
    return [...contracted.entries()].sort().map(([hex, byInterval]) => ({
      participant: Uint8Array.from(Buffer.from(hex, 'hex')),
      readings: byInterval.map((wh, interval) => ({
        interval,
        energyWh: Math.round(wh * this.deviation(index.get(hex) ?? 0, interval)),
      })),
    }));
  }

  /**
   * Signs `action` for `actor` as its client would: the market action is the payload of a
   * ledger envelope, whose signature and next envelope nonce are the action's only ones.
   */
  private sign(actor: Actor, action: MarketAction): Uint8Array {
    const envelopeNonce = actor.envelopeNonce++;
    actor.signed.push({ envelopeNonce });
    return encodeTransaction(
      signMarketEnvelope(actor.envelope, { chainId: this.chainId, shardId: 0, nonce: envelopeNonce }, action),
    );
  }
}

function register(
  name: string,
  role: 'tradingCenter' | 'gridEnterprise' | 'generator' | 'user',
  bus: number,
  voltageKv: number,
  powerKw: number,
  trader?: Trader,
): MarketAction {
  const generator = trader?.role === 'generator';
  return {
    type: 'register',
    role,
    name,
    bus,
    voltageKv,
    maxLoadKw: generator || trader === undefined ? 0 : powerKw,
    projects: generator
      ? [
          {
            technology: name.startsWith('pv') ? 'pv' : 'wind',
            capacityKw: powerKw,
            ownMaxLoadKw: 0,
            bus,
            voltageKv,
            absorbedLocally: true,
          },
        ]
      : [],
    meterKey: null,
  };
}

/** The market store reads through this; the simulator never writes a validator's state. */
export function readOnly(state: ReadableState) {
  return {
    get: (key: Uint8Array) => state.get(key),
    set: () => {
      throw new Error('read-only state');
    },
    delete: () => {
      throw new Error('read-only state');
    },
  };
}
