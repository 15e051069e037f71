import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { Prng } from '../../src/kit/prng.js';
import { encodeTransaction } from '../../src/ledger/transaction.js';
import { checkProjectAccess as chainAccess } from '../../src/market/access-rules.js';
import { encodeMarketPayload, type MarketAction } from '../../src/market/actions.js';
import { quoteCommitment as chainCommitment } from '../../src/market/commitment.js';
import { signerFromSeed } from '../../src/market/driver.js';
import { signMarketEnvelope } from '../../src/market/ledger-application.js';
import { configRecord, type Statement, statementRecord } from '../../src/market/records.js';
import { simulationConfig } from '../../src/market/simulate.js';
import { checkProjectAccess, checkRegistration } from '../../web/src/lib/access-rules.js';
import { toHex } from '../../web/src/lib/hex.js';
import { decodeMarketRules } from '../../web/src/lib/market-chain.js';
import {
  marketPayload,
  type OwnAction,
  type Quotation,
  quoteCommitment,
  signedEnvelope,
} from '../../web/src/lib/market-tx.js';
import { parseStatementCsv, type StatementJson, statementCsv } from '../../web/src/lib/statement-csv.js';

// The portal signs market transactions itself: every byte it writes must be what the node's own
// encoders write, and its access rules must decide every project as the audit does.

const seed = new Uint8Array(32).fill(7);
const member = signerFromSeed(seed).publicKey;
const quote: Quotation = {
  side: 'sell',
  mode: 'direct',
  project: 1,
  curves: [
    {
      interval: 0,
      steps: [
        { pricePerKwh: 380, energyWh: 50_000 },
        { pricePerKwh: 420, energyWh: 25_000 },
      ],
    },
    { interval: 3, steps: [{ pricePerKwh: 999, energyWh: 1 }] },
  ],
};
const salt = new Uint8Array(32).fill(0xab);

/** The node's bytes for a market action carried in its ledger envelope. */
function nodeBytes(action: MarketAction, ledgerNonce: bigint) {
  const envelope = encodeTransaction(
    signMarketEnvelope(
      ed25519Scheme.signer(seed),
      { chainId: 'chain-x', shardId: 2, nonce: ledgerNonce },
      action,
    ),
  );
  return { payload: toHex(encodeMarketPayload(action)), envelope: toHex(envelope) };
}

function portalBytes(action: OwnAction, ledgerNonce: bigint) {
  const payload = marketPayload(action);
  return {
    payload: toHex(payload),
    envelope: toHex(signedEnvelope('chain-x', 2, seed, ledgerNonce, payload)),
  };
}

const OWN_ACTION_TYPES: readonly OwnAction['type'][] = [
  'register',
  'commitQuote',
  'submitQuote',
  'amendQuote',
  'withdrawQuote',
  'advanceCycle',
  'revealQuote',
  'acceptContracts',
];

describe('market transactions signed by the portal', () => {
  it('writes the same bytes as the node for every action a member sends', () => {
    const commitment = chainCommitment(member, 'c-1', 'q-1', structuredClone(quote) as never, salt);
    assert.equal(toHex(quoteCommitment(member, 'c-1', 'q-1', quote, salt)), toHex(commitment));
    const project = {
      technology: 'pv',
      capacityKw: 24_000,
      ownMaxLoadKw: 5_000,
      bus: 18,
      voltageKv: 35,
      absorbedLocally: true,
    };
    const actions: [OwnAction, MarketAction][] = [
      [
        {
          type: 'register',
          role: 'generator',
          name: '光伏 Bus 18',
          bus: 18,
          voltageKv: 35,
          maxLoadKw: 0,
          projects: [project, { ...project, technology: 'wind', absorbedLocally: false }],
        },
        {
          type: 'register',
          role: 'generator',
          name: '光伏 Bus 18',
          bus: 18,
          voltageKv: 35,
          maxLoadKw: 0,
          projects: [project, { ...project, technology: 'wind', absorbedLocally: false }],
          meterKey: null,
        },
      ],
      [
        {
          type: 'register',
          role: 'user',
          name: 'Mall',
          bus: 14,
          voltageKv: 10,
          maxLoadKw: 600,
          projects: [],
        },
        {
          type: 'register',
          role: 'user',
          name: 'Mall',
          bus: 14,
          voltageKv: 10,
          maxLoadKw: 600,
          projects: [],
          meterKey: null,
        },
      ],
      [
        { type: 'commitQuote', cycleId: 'c-1', quoteId: 'q-1', commitment },
        { type: 'commitQuote', cycleId: 'c-1', quoteId: 'q-1', commitment },
      ],
      [
        { type: 'submitQuote', cycleId: 'c-1', quoteId: 'q-1', quote },
        {
          type: 'submitQuote',
          cycleId: 'c-1',
          quoteId: 'q-1',
          quote: structuredClone(quote) as MarketAction & never,
        },
      ],
      [
        { type: 'amendQuote', cycleId: 'c-1', quoteId: 'q-1', commitment, quote: null },
        { type: 'amendQuote', cycleId: 'c-1', quoteId: 'q-1', commitment, quote: null },
      ],
      [
        { type: 'amendQuote', cycleId: 'c-1', quoteId: 'q-1', commitment: null, quote },
        {
          type: 'amendQuote',
          cycleId: 'c-1',
          quoteId: 'q-1',
          commitment: null,
          quote: structuredClone(quote) as never,
        },
      ],
      [
        { type: 'withdrawQuote', cycleId: 'c-1', quoteId: 'q-1' },
        { type: 'withdrawQuote', cycleId: 'c-1', quoteId: 'q-1' },
      ],
      [
        { type: 'advanceCycle', cycleId: 'c-1' },
        { type: 'advanceCycle', cycleId: 'c-1' },
      ],
      [
        { type: 'acceptContracts', cycleId: 'c-1', contractIds: ['c-1/0', 'c-1/17', 'c-1/300'] },
        { type: 'acceptContracts', cycleId: 'c-1', contractIds: ['c-1/0', 'c-1/17', 'c-1/300'] },
      ],
      [
        { type: 'revealQuote', cycleId: 'c-1', quoteId: 'q-1', quote, salt },
        { type: 'revealQuote', cycleId: 'c-1', quoteId: 'q-1', quote: structuredClone(quote) as never, salt },
      ],
    ];
    // Every action a member signs in the portal (`OwnAction`) is compared.
    assert.deepEqual(new Set(actions.map(([ours]) => ours.type)), new Set(OWN_ACTION_TYPES));
    for (const [ours, theirs] of actions) {
      assert.deepEqual(portalBytes(ours, 300n), nodeBytes(theirs, 300n), ours.type);
    }
  });

  it('decides every project as the audit does (5,000 seeded projects)', () => {
    const rng = new Prng(2026);
    const kv = [0.4, 10, 20, 35, 66, 110, 220].map(Math.round);
    for (let i = 0; i < 5_000; i++) {
      const capacityKw = rng.range(0, 70_000);
      const project = {
        technology: 'pv',
        capacityKw,
        ownMaxLoadKw: rng.float() < 0.3 ? rng.range(0, capacityKw + 1000) : 0,
        bus: 1,
        voltageKv: kv[rng.range(0, kv.length - 1)]!,
        absorbedLocally: rng.float() < 0.5,
      };
      const ours = checkProjectAccess(project);
      const chain = chainAccess(project);
      assert.equal(ours.admitted, chain.admitted, JSON.stringify(project));
      assert.equal(ours.netKw, chain.netKw);
      if (!ours.admitted && !chain.admitted) assert.equal(ours.reason, chain.reason);
      if (ours.admitted && chain.admitted) assert.equal(ours.text, chain.rule);
    }
  });

  it('refuses the registrations the chain refuses', () => {
    const base = { name: 'Factory', bus: 8, voltageKv: 10, maxLoadKw: 900, projects: [] };
    assert.deepEqual(checkRegistration({ ...base, role: 'user' }).problems, []);
    assert.deepEqual(checkRegistration({ ...base, role: 'user', maxLoadKw: 0 }).problems, ['userLoad']);
    assert.deepEqual(checkRegistration({ ...base, role: 'user', voltageKv: 220 }).problems, ['userVoltage']);
    assert.deepEqual(checkRegistration({ ...base, role: 'generator' }).problems, ['noProjects']);
    const big = {
      technology: 'wind',
      capacityKw: 55_000,
      ownMaxLoadKw: 10_000,
      bus: 3,
      voltageKv: 110,
      absorbedLocally: true,
    };
    assert.deepEqual(checkRegistration({ ...base, role: 'generator', projects: [big] }).problems, [
      'noneAdmitted',
    ]);
    assert.deepEqual(
      checkRegistration({ ...base, role: 'generator', projects: [{ ...big, capacityKw: 30_000 }] }).problems,
      [],
    );
  });

  it('reads the market rules from the configuration record', () => {
    const config = {
      ...simulationConfig(member, 33),
      revealWindowMs: 10_000,
      stepGraceMs: 5_000,
      busLimits: [{ bus: 18, exportLimitKw: 250 }],
    };
    const rules = decodeMarketRules(configRecord.encode(config));
    assert.deepEqual(rules, {
      marketId: config.marketId,
      sealedBids: config.sealedBids,
      priceFloorPerKwh: config.priceFloorPerKwh,
      priceCapPerKwh: config.priceCapPerKwh,
      revealWindowMs: 10_000,
      stepGraceMs: 5_000,
    });
  });
});

/** A statement as the statement route answers it: keys as hex, 64-bit amounts as decimal strings. */
function asJson(s: Statement): StatementJson {
  return JSON.parse(
    JSON.stringify(s, (_, v) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
    ),
  ) as StatementJson;
}

describe('settlement statement as CSV', () => {
  it('parses back to the same totals, with awkward reasons intact', () => {
    const statement: Statement = {
      cycleId: 'c-9',
      member,
      contractedWh: 900_000,
      meteredWh: 700_000,
      deviationWh: 200_000,
      penalisedWh: 150_000,
      lines: [
        { kind: 'energySale', energyWh: 700_000, amount: 280_000n },
        { kind: 'penalty', energyWh: 150_000, amount: -15_000n },
        { kind: 'breachLiability', energyWh: 150_000, amount: -9_001n },
        { kind: 'crossingFee', energyWh: 700_000, amount: -14_000n },
      ],
      net: 241_999n,
      liabilities: [
        {
          contractId: 'c-9/0/1',
          interval: 1,
          counterparty: new Uint8Array(32).fill(2),
          code: 'NON_DELIVERY',
          energyWh: 100_000,
          amount: -6_000n,
          reason: 'delivered 0 of "100,000" Wh,\nshort',
        },
        {
          contractId: 'c-9/3/4',
          interval: 3,
          counterparty: new Uint8Array(32).fill(3),
          code: 'NON_DELIVERY',
          energyWh: 50_000,
          amount: -3_001n,
          reason: 'short',
        },
      ],
    };
    // The node's own codec first, so the statement is one the chain could hold.
    const json = asJson(statementRecord.decode(statementRecord.encode(statement)));
    const totals = parseStatementCsv(statementCsv(json));
    assert.equal(totals.net, statement.net);
    assert.equal(totals.linesTotal, statement.net);
    assert.equal(totals.liabilitiesTotal, -9_001n);
    for (const line of statement.lines) assert.equal(totals.byKind.get(line.kind), line.amount);
    assert.throws(() => parseStatementCsv('a,b\r\n1,2\r\n'), /not a settlement statement/);
  });
});
