import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import { ieee33Feeder } from '../grid/ieee33.js';
import type { Grid } from '../grid/model.js';
import { encodeTransaction } from '../ledger/transaction.js';
import type { MarketAction } from '../market/actions.js';
import { quoteCommitment } from '../market/commitment.js';
import { signerFromSeed } from '../market/driver.js';
import { signMarketEnvelope } from '../market/ledger-application.js';
import type { MarketConfig, Project, Quotation } from '../market/records.js';
import { simulationConfig } from '../market/simulate.js';
import type { GenesisFile, MarketConfigJson } from '../node/genesis-file.js';
import { abortableSleep, ClientError, GridShardClient, urlsFrom } from '../sdk/client.js';

/**
 * The devnet's demo market on the IEEE 33-bus feeder (12.66 kV, buses 1-33, the substation at bus
 * 1): six distributed generators and six power users trade in short cycles of four 15-second
 * intervals, through the real chain: registration and audit, sealed quotations, gate closure,
 * reveal, matching, security check, tripartite contracts, metering and settlement, each step a
 * signed transaction committed by the four validators.
 */
interface DemoParticipant {
  readonly name: string;
  readonly role: 'generator' | 'user';
  readonly bus: number;
  readonly powerKw: number;
  readonly technology: string;
  readonly basePricePerKwh: number;
}

const PARTICIPANTS: readonly DemoParticipant[] = [
  { name: 'PV Bus 6', role: 'generator', bus: 6, powerKw: 600, technology: 'pv', basePricePerKwh: 330 },
  { name: 'Wind Bus 13', role: 'generator', bus: 13, powerKw: 800, technology: 'wind', basePricePerKwh: 350 },
  { name: 'PV Bus 18', role: 'generator', bus: 18, powerKw: 400, technology: 'pv', basePricePerKwh: 320 },
  {
    name: 'Storage Bus 22',
    role: 'generator',
    bus: 22,
    powerKw: 500,
    technology: 'storage',
    basePricePerKwh: 420,
  },
  { name: 'CHP Bus 25', role: 'generator', bus: 25, powerKw: 700, technology: 'chp', basePricePerKwh: 390 },
  { name: 'PV Bus 33', role: 'generator', bus: 33, powerKw: 300, technology: 'pv', basePricePerKwh: 310 },
  { name: 'Factory Bus 8', role: 'user', bus: 8, powerKw: 900, technology: '', basePricePerKwh: 470 },
  { name: 'Mall Bus 14', role: 'user', bus: 14, powerKw: 600, technology: '', basePricePerKwh: 450 },
  { name: 'Campus Bus 17', role: 'user', bus: 17, powerKw: 500, technology: '', basePricePerKwh: 440 },
  { name: 'Hospital Bus 24', role: 'user', bus: 24, powerKw: 700, technology: '', basePricePerKwh: 500 },
  { name: 'Offices Bus 29', role: 'user', bus: 29, powerKw: 400, technology: '', basePricePerKwh: 430 },
  { name: 'Homes Bus 31', role: 'user', bus: 31, powerKw: 350, technology: '', basePricePerKwh: 460 },
];

/**
 * This generator delivers well short of its contracts in these intervals of every cycle, so each
 * settlement shows breach liability (docs/MARKET.md, Breach liability).
 */
const SHORT_GENERATOR = 'Wind Bus 13';
const SHORT_INTERVALS: readonly number[] = [1, 3];

const INTERVALS = 4;
const INTERVAL_MS = 15_000;
/** How long one market transaction may take to reach a block before the step is retried. */
const COMMIT_DEADLINE_MS = 60_000;
/** Rating of the two rated laterals of the demo feeder (see demoGrid). */
const DEMO_LATERAL_RATING_KVA = 200;
/** The cycle's state is read this often, this many times, which covers the demo's longest deadline. */
const ADVANCE_PAUSE_MS = 2000;
const ADVANCE_ATTEMPTS = 30;
const RETRY_PAUSE_MS = 1000;
const MAX_RETRY_PAUSE_MS = 30_000;

/** The bus of each demo participant, in the order of `DemoKeys.participants`. */
export const DEMO_PARTICIPANT_BUSES: readonly number[] = PARTICIPANTS.map((p) => p.bus);

export interface DemoKeys {
  readonly operator: string;
  readonly tradingCenter: string;
  readonly gridEnterprise: string;
  readonly regulator: string;
  readonly participants: readonly string[];
}

/** Demo members' keys (seeds, hex). A devnet's keys protect nothing; they live in a plain file. */
export function loadOrCreateDemoKeys(path: string): DemoKeys {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DemoKeys;
  const seed = () => toHex(new Uint8Array(randomBytes(32)));
  const keys: DemoKeys = {
    operator: seed(),
    tradingCenter: seed(),
    gridEnterprise: seed(),
    regulator: seed(),
    participants: PARTICIPANTS.map(seed),
  };
  writeFileSync(path, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

/**
 * The demo's feeder: IEEE 33-bus with thermal ratings on the two laterals that end at a demo
 * generator (17-18 and 32-33), low enough that a sunny interval's export overloads them, so the
 * security check curtails on chain and the adjustment and its reason show in the cycle.
 */
export function demoGrid(): Grid {
  const grid = ieee33Feeder();
  const rated = new Map([
    ['17-18', DEMO_LATERAL_RATING_KVA],
    ['32-33', DEMO_LATERAL_RATING_KVA],
  ]);
  return {
    ...grid,
    branches: grid.branches.map((b) => ({ ...b, rateKva: rated.get(`${b.from}-${b.to}`) ?? b.rateKva })),
  };
}

/** The simulator's market rules, on the 33-bus feeder, with the feeder's own fee levels and weak ends. */
export function demoMarketConfig(keys: DemoKeys): MarketConfigJson {
  const operator = ed25519Scheme.publicKeyFromSeed(fromHex(keys.operator));
  const config: MarketConfig = {
    ...simulationConfig(operator, 33),
    marketId: 'devnet-ieee33',
    // A demo cycle lasts about two minutes, so its deadlines are seconds, not the hours a real
    // market gives its parties: a refused or missing step is taken over by rule within the cycle.
    revealWindowMs: 10_000,
    stepGraceMs: 5_000,
    checkWindowMs: 10_000,
    meterWindowMs: 30_000,
    // Two buses of the feeder meet at 35 kV: 60 - 40 = 20 per kWh; one bus pays nothing.
    tariffLevels: [
      { maxVoltageKv: 10, tdPricePerKwh: 60 },
      { maxVoltageKv: 35, tdPricePerKwh: 40 },
    ],
    levelsBetweenBuses: 1,
    // The feeder ends (18 and 33) are weak: their export is limited, which the stand-in check
    // enforces on a chain without a grid model.
    busLimits: [
      { bus: 18, exportLimitKw: 250 },
      { bus: 33, exportLimitKw: 200 },
    ],
  };
  return { ...config, operators: config.operators.map(toHex), subsidyAccount: toHex(config.subsidyAccount) };
}

interface Actor {
  readonly name: string;
  readonly signer: ReturnType<typeof signerFromSeed>;
  readonly envelopeSigner: Signer;
  readonly client: GridShardClient;
  envelopeNonce: bigint;
  /** Signed bytes sent and not yet known to be in a block or refused; resent before anything else. */
  unsettled: Uint8Array | null;
}

interface NonceFile {
  [publicKey: string]: { envelope: string; unsettled?: string };
}

export interface DemoEvent {
  readonly message: string;
}

export class DemoMarket {
  private readonly operator: Actor;
  private readonly tradingCenter: Actor;
  private readonly gridEnterprise: Actor;
  private readonly regulator: Actor;
  private readonly participants: { actor: Actor; spec: DemoParticipant }[];
  private stopped = false;
  private readonly abort = new AbortController();
  private admitted = false;
  private running: Promise<void> | null = null;
  private cycles = 0;
  private committed = 0;
  private refused = 0;
  private lastLine = '';

  constructor(
    private readonly genesis: GenesisFile,
    apis: readonly string[],
    keys: DemoKeys,
    private readonly stateFile: string,
    private readonly print: (line: string) => void,
  ) {
    // One signal stops every request of the demo, and each request in flight listens to it: a
    // cycle's members submit together, more than Node's default of 10 before it warns of a leak.
    setMaxListeners(0, this.abort.signal);
    let next = 0;
    const saved: NonceFile = existsSync(stateFile)
      ? (JSON.parse(readFileSync(stateFile, 'utf8')) as NonceFile)
      : {};
    const actor = (name: string, seedHex: string): Actor => {
      const seed = fromHex(seedHex);
      const signer = signerFromSeed(seed);
      const nonces = saved[toHex(signer.publicKey)];
      return {
        name,
        signer,
        envelopeSigner: ed25519Scheme.signer(seed),
        // Each actor starts at its own validator and fails over to the others.
        client: new GridShardClient(urlsFrom(apis, next++), 10_000),
        envelopeNonce: BigInt(nonces?.envelope ?? 0),
        unsettled: nonces?.unsettled === undefined ? null : fromHex(nonces.unsettled),
      };
    };
    this.operator = actor('operator', keys.operator);
    this.tradingCenter = actor('trading center', keys.tradingCenter);
    this.gridEnterprise = actor('grid enterprise', keys.gridEnterprise);
    this.regulator = actor('regulator', keys.regulator);
    this.participants = PARTICIPANTS.map((spec, i) => ({
      actor: actor(spec.name, keys.participants[i]!),
      spec,
    }));
  }

  start(): void {
    this.running = this.run().catch((error: unknown) => {
      this.print(`demo market stopped: ${(error as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
    this.saveNonces();
  }

  summary(): string {
    return `market: ${this.cycles} cycles settled, ${this.committed} market transactions, ${this.refused} refused${this.lastLine ? ` | ${this.lastLine}` : ''}`;
  }

  private saveNonces(): void {
    const out: NonceFile = {};
    for (const a of [
      this.operator,
      this.tradingCenter,
      this.gridEnterprise,
      this.regulator,
      ...this.participants.map((p) => p.actor),
    ]) {
      out[toHex(a.signer.publicKey)] = {
        envelope: a.envelopeNonce.toString(),
        ...(a.unsettled === null ? {} : { unsettled: toHex(a.unsettled) }),
      };
    }
    writeFileSync(this.stateFile, JSON.stringify(out));
  }

  /** Signs, submits and waits for the block; returns the receipt code ('' when executed). */
  private async send(actor: Actor, action: MarketAction): Promise<string> {
    // An earlier transaction of this actor may still commit; its nonce must be known first.
    await this.settle(actor);
    actor.unsettled = encodeTransaction(
      signMarketEnvelope(
        actor.envelopeSigner,
        { chainId: this.genesis.chainId, shardId: this.genesis.shardId, nonce: actor.envelopeNonce },
        action,
      ),
    );
    return this.settle(actor);
  }

  /**
   * Keeps the actor's unsettled transaction alive until it is in a block, through whichever
   * validator answers (see docs/API.md, acknowledgement contract). Nonces move only on a known
   * outcome: a transaction whose fate is unknown stays unsettled and is resent by the next call,
   * so a late commit never leaves the actor's nonce behind the chain's.
   */
  private async settle(actor: Actor): Promise<string> {
    if (actor.unsettled === null) return '';
    try {
      const committed = await actor.client.submitUntilCommitted(actor.unsettled, {
        deadlineMs: COMMIT_DEADLINE_MS,
        pollMs: 50,
        resendAfterMs: 3000,
        signal: this.abort.signal,
      });
      actor.unsettled = null;
      actor.envelopeNonce++;
      // The envelope's nonce is used whether the market executed the action or refused it.
      if (committed.ok) this.committed++;
      else this.refused++;
      return committed.code;
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.code === 'SUPERSEDED') {
        actor.unsettled = null;
        actor.envelopeNonce++;
        this.refused++;
        return 'SUPERSEDED';
      }
      if (error.code === 'HTTP_ERROR' && error.data.status === 422) {
        // Refused on admission: the nonce was not used.
        actor.unsettled = null;
        this.refused++;
        return error.data.code ?? 'REFUSED';
      }
      throw error;
    }
  }

  private async must(actor: Actor, action: MarketAction): Promise<void> {
    const code = await this.send(actor, action);
    // Already done in an earlier run of the devnet: the demo goes on.
    if (code !== '' && code !== 'DUPLICATE')
      throw new Error(`${actor.name}: ${action.type} refused with ${code}`);
  }

  /**
   * Waits until the cycle leaves `state`: the chain moves it by the market's rule at the first
   * block past its deadline (the market's begin-block work), so nobody needs to send anything.
   */
  private async advanceWhenDue(cycleId: string, state: string): Promise<void> {
    for (let attempt = 0; attempt < ADVANCE_ATTEMPTS && !this.stopped; attempt++) {
      const cycle = await this.tradingCenter.client.marketCycle(cycleId);
      if (cycle?.state !== state) return;
      await abortableSleep(ADVANCE_PAUSE_MS, this.abort.signal);
    }
    throw new Error(`cycle ${cycleId} is still ${state} after ${ADVANCE_ATTEMPTS} reads past its deadline`);
  }

  private async chainTimeMs(): Promise<number> {
    return (await this.tradingCenter.client.status()).timestampMs;
  }

  private async waitForChainTime(targetMs: number): Promise<void> {
    while (!this.stopped && (await this.chainTimeMs()) < targetMs)
      await abortableSleep(500, this.abort.signal);
  }

  /**
   * A failed step (no validator reachable, a transaction not committed in time, a refusal) is
   * reported and the demo tries again after a pause that grows while failures repeat: a devnet
   * that loses a validator, or all of them for a while, gets its market back when they return.
   */
  private async run(): Promise<void> {
    let pauseMs = RETRY_PAUSE_MS;
    while (!this.stopped) {
      try {
        if (!this.admitted) await this.admitMembers();
        await this.tradeCycle(`c${Date.now().toString(36)}`);
        pauseMs = RETRY_PAUSE_MS;
      } catch (error) {
        if (this.stopped) return;
        this.print(`demo market: ${(error as Error).message}; trying again in ${pauseMs / 1000} s`);
        await abortableSleep(pauseMs, this.abort.signal).catch(() => undefined);
        pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS);
      }
    }
  }

  /** The first step: registers and approves the institutions and participants, unless done before. */
  async admitMembers(): Promise<void> {
    const known = await this.tradingCenter.client.marketMember(
      toHex(this.participants.at(-1)!.actor.signer.publicKey),
    );
    if (known?.status === 'approved') {
      this.admitted = true;
      this.print('demo market: members already admitted in an earlier run');
      return;
    }
    const institutions = [
      [this.tradingCenter, 'tradingCenter'],
      [this.gridEnterprise, 'gridEnterprise'],
      [this.regulator, 'regulator'],
    ] as const;
    await Promise.all(
      institutions.map(([actor, role]) =>
        this.send(actor, {
          type: 'register',
          role,
          name: actor.name,
          bus: 1,
          voltageKv: 110,
          maxLoadKw: 0,
          projects: [],
          meterKey: null,
        }),
      ),
    );
    for (const [actor] of institutions) {
      await this.send(this.operator, {
        type: 'audit',
        member: actor.signer.publicKey,
        approve: true,
        note: 'institution',
      });
    }
    await Promise.all(
      this.participants.map(({ actor, spec }) => {
        const projects: Project[] =
          spec.role === 'generator'
            ? [
                {
                  technology: spec.technology,
                  capacityKw: spec.powerKw,
                  ownMaxLoadKw: 0,
                  bus: spec.bus,
                  voltageKv: 10,
                  absorbedLocally: true,
                },
              ]
            : [];
        return this.send(actor, {
          type: 'register',
          role: spec.role,
          name: spec.name,
          bus: spec.bus,
          voltageKv: 10,
          maxLoadKw: spec.role === 'user' ? spec.powerKw : 0,
          projects,
          meterKey: null,
        });
      }),
    );
    // Half the participants accept their tripartite contracts in advance, by standing consent; the
    // grid enterprise and the other half sign each cycle's contracts with their own transaction.
    await Promise.all(
      this.consenting().map((actor) => this.send(actor, { type: 'consent', standing: true })),
    );
    await this.send(this.tradingCenter, {
      type: 'auditBatch',
      decisions: this.participants.map(({ actor }) => ({
        member: actor.signer.publicKey,
        approve: true,
        note: 'demo',
      })),
    });
    this.admitted = true;
    this.print(
      'demo market: 3 institutions and 12 participants registered and approved on chain; 6 participants accept contracts by standing consent, the grid enterprise and 6 participants sign them',
    );
  }

  /** The participants that give standing consent: every other one. */
  private consenting(): Actor[] {
    return this.participants.filter((_, i) => i % 2 === 0).map((p) => p.actor);
  }

  /**
   * The parties without standing consent sign what waits for them, as a member does in the portal:
   * open a session, read the cycle's contracts awaiting its signature (a private read), and accept
   * them in one transaction. Returns how many contracts were signed.
   */
  private async signContracts(cycleId: string): Promise<number> {
    const consenting = new Set(this.consenting());
    const signers = [this.gridEnterprise, ...this.participants.map((p) => p.actor)].filter(
      (actor) => !consenting.has(actor),
    );
    const counts = await Promise.all(
      signers.map(async (actor) => {
        const key = toHex(actor.signer.publicKey);
        const session = await actor.client.openSession(actor.envelopeSigner, this.genesis.chainId, {
          signal: this.abort.signal,
        });
        const answer = await actor.client.marketAwaiting(cycleId, key, {
          token: session.token,
          signal: this.abort.signal,
        });
        const contractIds = ((answer.awaiting ?? []) as { contractId: string }[]).map((c) => c.contractId);
        if (contractIds.length === 0) return 0;
        const code = await this.send(actor, { type: 'acceptContracts', cycleId, contractIds });
        return code === '' ? contractIds.length : 0;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private quote(spec: DemoParticipant, cycle: number): Quotation {
    const side = spec.role === 'generator' ? 'sell' : 'buy';
    const curves = Array.from({ length: INTERVALS }, (_, interval) => {
      const shape = 0.5 + 0.4 * Math.abs(Math.sin(((interval + cycle + spec.bus) * Math.PI) / 5));
      const energyWh = Math.floor(((spec.powerKw * INTERVAL_MS) / 3600) * shape);
      const price = spec.basePricePerKwh + ((cycle * 7 + interval * 13 + spec.bus) % 21) - 10;
      return { interval, steps: [{ pricePerKwh: price, energyWh }] };
    });
    return { side, mode: 'direct', project: 0, curves };
  }

  private async tradeCycle(cycleId: string): Promise<void> {
    const now = await this.chainTimeMs();
    const gateClosureMs = now + 12_000;
    const deliveryStartMs = now + 30_000;
    await this.must(this.tradingCenter, {
      type: 'openCycle',
      cycleId,
      intervals: INTERVALS,
      intervalMs: INTERVAL_MS,
      deliveryStartMs,
      gateClosureMs,
      gridEnterprise: this.gridEnterprise.signer.publicKey,
    });
    const reveals = await Promise.all(
      this.participants.map(async ({ actor, spec }) => {
        const quote = this.quote(spec, this.cycles);
        const salt = new Uint8Array(randomBytes(32));
        const commitment = quoteCommitment(actor.signer.publicKey, cycleId, 'q0', quote, salt);
        const code = await this.send(actor, { type: 'commitQuote', cycleId, quoteId: 'q0', commitment });
        return { actor, quote, salt, ok: code === '' };
      }),
    );
    await this.waitForChainTime(gateClosureMs);
    if (this.stopped) return;
    await this.must(this.tradingCenter, { type: 'closeGate', cycleId });
    await Promise.all(
      reveals
        .filter((r) => r.ok)
        .map((r) =>
          this.send(r.actor, { type: 'revealQuote', cycleId, quoteId: 'q0', quote: r.quote, salt: r.salt }),
        ),
    );
    await this.must(this.tradingCenter, { type: 'match', cycleId });
    const checkCode = await this.send(this.gridEnterprise, { type: 'check', cycleId });
    if (checkCode !== '' && checkCode !== 'DUPLICATE') {
      this.print(
        `demo market: the security check of ${cycleId} was refused (${checkCode}); the cycle's rule applies`,
      );
      await this.advanceWhenDue(cycleId, 'matched');
    }
    // A cycle whose every traded interval failed its security check ends cancelled: on to the next.
    const checked = await this.tradingCenter.client.marketCycle(cycleId);
    if (checked?.state === 'cancelled') {
      this.print(`demo market: cycle ${cycleId} cancelled (${String(checked.reasonCode)})`);
      return;
    }
    const contractCode = await this.send(this.tradingCenter, { type: 'contract', cycleId });
    if (contractCode !== '' && contractCode !== 'DUPLICATE') {
      // A step that comes later than the cycle's grace is taken by rule: the chain wrote the
      // contracts itself, and the cycle goes on to metering as it would have.
      const moved = await this.tradingCenter.client.marketCycle(cycleId);
      if (moved?.state !== 'contracted') {
        throw new Error(`${this.tradingCenter.name}: contract refused with ${contractCode}`);
      }
      this.print(
        `demo market: the contracts of ${cycleId} were written by rule (${String(moved.reasonCode)})`,
      );
    }
    const signed = await this.signContracts(cycleId);
    this.print(`demo market: ${signed} contract signatures sent by their parties for ${cycleId}`);
    const cycle = (await this.tradingCenter.client.marketCycle(cycleId)) ?? {};
    const summaries = (cycle.summaries ?? []) as {
      interval: number;
      clearingPricePerKwh: number | null;
      volumeWh: number;
    }[];
    const prices = summaries
      .map((s) => (s.clearingPricePerKwh === null ? '-' : String(s.clearingPricePerKwh)))
      .join('/');
    this.lastLine = `cycle ${cycleId}: clearing prices ${prices} per kWh, ${Math.round(Number(cycle.contractedWh ?? 0) / 1000)} kWh contracted`;
    this.print(`demo market: ${this.lastLine}; delivery runs for ${(INTERVALS * INTERVAL_MS) / 1000} s`);
    await this.waitForChainTime(deliveryStartMs + INTERVALS * INTERVAL_MS);
    if (this.stopped) return;
    const meters = this.participants.map(({ actor, spec }, i) => ({
      participant: actor.signer.publicKey,
      readings: Array.from({ length: INTERVALS }, (_, interval) => ({
        interval,
        // Metered energy deviates from the quoted shape by -8 % … +8 %; the short generator
        // delivers a quarter of it in its short intervals, a breach of its binding contracts.
        energyWh: Math.floor(
          ((spec.powerKw * INTERVAL_MS) / 3600) *
            (0.5 + 0.4 * Math.abs(Math.sin(((interval + this.cycles + spec.bus) * Math.PI) / 5))) *
            (spec.name === SHORT_GENERATOR && SHORT_INTERVALS.includes(interval)
              ? 0.25
              : 0.92 + ((i * 7 + interval * 3) % 17) / 100),
        ),
      })),
    }));
    await this.must(this.gridEnterprise, { type: 'meterReadings', cycleId, meters });
    await this.must(this.tradingCenter, { type: 'settle', cycleId });
    this.cycles++;
    this.print(
      `demo market: cycle ${cycleId} metered and settled (${SHORT_GENERATOR} metered a quarter of its quoted output in intervals ${SHORT_INTERVALS.join(', ')}; what it contracted there beyond the band owes breach liability)`,
    );
    this.saveNonces();
  }
}
