import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { ApplicationRouter, keyValueApplication } from '../../src/ledger/application.js';
import { genesisChain } from '../../src/ledger/chain-state.js';
import type { CommittedView } from '../../src/ledger/committed-view.js';
import { merkleInclusionProof, verifyMerkleInclusion } from '../../src/ledger/merkle.js';
import { signedTransactionOf } from '../../src/ledger/signed-transaction.js';
import { checkTransaction, decodeTransaction } from '../../src/ledger/transaction.js';
import { partyKey } from '../../src/market/acceptance.js';
import { decodeMarketPayload, type MarketAction } from '../../src/market/actions.js';
import { nextDeadline } from '../../src/market/cycle-clock.js';
import { signerFromSeed } from '../../src/market/driver.js';
import {
  MARKET_TX_TYPE,
  marketApplication,
  marketGenesisState,
  signMarketEnvelope,
} from '../../src/market/ledger-application.js';
import type { MarketConfig } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { HOUR_MS, project, START_MS, testConfig } from './fixture.js';

/**
 * A cycle on a ledger chain whose parties all fall silent once the quotations are in: nobody
 * closes the gate, matches, checks, contracts, settles or sends `advanceCycle`. Blocks alone,
 * by block time, carry the cycle to its end.
 */
const CHAIN = 'deadline-blocks';
const MINUTE_MS = 60_000;

function party(n: number) {
  const seed = new Uint8Array(32).fill(n);
  return { market: signerFromSeed(seed), ledger: ed25519Scheme.signer(seed), nonce: 0n };
}
type Party = ReturnType<typeof party>;

function envelope(sender: Party, action: MarketAction) {
  const tx = signMarketEnvelope(sender.ledger, { chainId: CHAIN, shardId: 0, nonce: sender.nonce }, action);
  sender.nonce++;
  return signedTransactionOf(tx, ed25519Scheme);
}

function storeOf(view: CommittedView): MarketStore {
  return new MarketStore({
    get: (key) => view.getState(key),
    set: () => assert.fail('read only'),
    delete: () => assert.fail('read only'),
  });
}

/**
 * Runs the cycle on a chain. With `accept`, the generator breaks its silence once: it accepts its
 * contract by an `acceptContracts` transaction, and the block that carried it is returned.
 */
function runChain(fallback: MarketConfig['missedCheckFallback'], accept = false) {
  const [operator, center, grid, generator, user, keeper] = [1, 2, 3, 4, 5, 6].map(party) as Party[];
  const config = testConfig(operator!.market.publicKey, {
    missedCheckFallback: fallback,
    stepGraceMs: 5 * MINUTE_MS,
    checkWindowMs: 10 * MINUTE_MS,
    meterWindowMs: 30 * MINUTE_MS,
  });
  const chain = genesisChain(
    {
      chainId: CHAIN,
      shardId: 0,
      scheme: 'ed25519-sha256',
      genesisTimeMs: START_MS,
      initialState: marketGenesisState(config),
    },
    new ApplicationRouter([keyValueApplication, marketApplication()]),
  );
  let time = START_MS;
  const roots: string[] = [];
  const block = (txs: [Party, MarketAction][], stepMs = 1000) => {
    time += stepMs;
    const executed = chain.execute(
      txs.map(([sender, action]) => envelope(sender, action)),
      { timestampMs: time },
    );
    roots.push(toHex(executed.header.stateRoot));
    for (const [i, receipt] of executed.receipts.entries())
      if (txs[i]![1].type !== 'advanceCycle')
        assert.deepEqual(receipt, { ok: true, code: '' }, txs[i]![1].type);
    return executed;
  };
  const member = (role: 'tradingCenter' | 'gridEnterprise' | 'generator' | 'user') =>
    ({
      type: 'register',
      role,
      name: role,
      bus: 1,
      voltageKv: 10,
      maxLoadKw: role === 'user' ? 400 : 0,
      projects: role === 'generator' ? [project({ capacityKw: 500 })] : [],
      meterKey: null,
    }) as const;
  const approve = (who: Party) =>
    ({ type: 'audit', member: who.market.publicKey, approve: true, note: '' }) as const;
  block([
    [center!, member('tradingCenter')],
    [grid!, member('gridEnterprise')],
    [generator!, member('generator')],
    [user!, member('user')],
    [keeper!, member('user')],
  ]);
  block([
    [operator!, approve(center!)],
    [operator!, approve(grid!)],
  ]);
  block([
    [center!, approve(generator!)],
    [center!, approve(user!)],
    [center!, approve(keeper!)],
  ]);
  const gateClosureMs = time + 10 * MINUTE_MS;
  block([
    [
      center!,
      {
        type: 'openCycle',
        cycleId: 'c1',
        intervals: 1,
        intervalMs: HOUR_MS,
        deliveryStartMs: gateClosureMs + HOUR_MS,
        gateClosureMs,
        gridEnterprise: grid!.market.publicKey,
      },
    ],
  ]);
  const curve = (pricePerKwh: number) => [{ interval: 0, steps: [{ pricePerKwh, energyWh: 100_000 }] }];
  let last = block([
    [
      generator!,
      {
        type: 'submitQuote',
        cycleId: 'c1',
        quoteId: 'q',
        quote: { side: 'sell', mode: 'direct', project: 0, curves: curve(300) },
      },
    ],
    [
      user!,
      {
        type: 'submitQuote',
        cycleId: 'c1',
        quoteId: 'q',
        quote: { side: 'buy', mode: 'direct', project: 0, curves: curve(450) },
      },
    ],
  ]);
  // Everyone falls silent; blocks keep coming every five minutes of block time.
  const silentFrom = roots.length;
  let advanceRefusal: unknown;
  let acceptance: { block: typeof last; contractIds: string[] } | undefined;
  for (let n = 0; n < 200; n++) {
    const cycle = storeOf(last.view).cycle('c1')!;
    if (cycle.state === 'settled' || cycle.state === 'cancelled') break;
    if (accept && acceptance === undefined && cycle.state === 'contracted') {
      const awaiting = storeOf(last.view).awaiting('c1', generator!.market.publicKey);
      const contractIds = awaiting.map((entry) => `c1/${entry.deal}`);
      last = block([[generator!, { type: 'acceptContracts', cycleId: 'c1', contractIds }]]);
      acceptance = { block: last, contractIds };
      continue;
    }
    const due = nextDeadline(cycle, config)!;
    // Once, an `advanceCycle` lands in the block where the deadline passes: the block's
    // begin-block work has already moved the cycle, so it is refused and changes nothing.
    if (advanceRefusal === undefined && time + 5 * MINUTE_MS >= due.atMs) {
      last = block([[keeper!, { type: 'advanceCycle', cycleId: 'c1' }]], due.atMs - time);
      advanceRefusal = last.receipts[0];
      assert.notEqual(storeOf(last.view).cycle('c1')!.state, cycle.state, 'moved before the transaction');
    } else last = block([], 5 * MINUTE_MS);
  }
  const store = storeOf(last.view);
  return {
    roots,
    silentFrom,
    store,
    advanceRefusal,
    cycle: store.cycle('c1')!,
    acceptance,
    generator: generator!.market.publicKey,
  };
}

describe('deadlines move by blocks alone', () => {
  for (const [fallback, end] of [
    ['gridPurchase', 'settled'],
    ['cancel', 'cancelled'],
  ] as const) {
    it(`a cycle whose parties all fall silent ends ${end} (missed check: ${fallback}), the same at every execution`, () => {
      const first = runChain(fallback);
      assert.equal(first.cycle.state, end);
      const codes = first.store.transitions('c1').map((t) => t.code);
      assert.deepEqual(
        codes,
        end === 'settled'
          ? [
              'CYCLE_OPENED',
              'GATE_CLOSED_BY_DEADLINE',
              'MATCHED_BY_DEADLINE',
              'CHECK_MISSED',
              'CONTRACTED_BY_DEADLINE',
              'SETTLED_BY_DEADLINE',
            ]
          : ['CYCLE_OPENED', 'GATE_CLOSED_BY_DEADLINE', 'MATCHED_BY_DEADLINE', 'CHECK_MISSED'],
      );
      if (end === 'settled') assert.ok(first.store.allContracts('c1').length > 0, 'the silent cycle traded');
      assert.deepEqual(first.advanceRefusal, { ok: false, code: 'NOT_DUE' });
      assert.deepEqual(first.store.deadlines(), [], 'a final cycle leaves the deadline index');
      assert.ok(first.roots.length - first.silentFrom < 200);
      const second = runChain(fallback);
      assert.deepEqual(second.roots, first.roots, 'two independent executions agree on every state root');
    });
  }

  it('a signed acceptance names the ledger transaction, which a regulator checks by envelope and Merkle proof', () => {
    const run = runChain('gridPurchase', true);
    assert.ok(run.acceptance !== undefined, 'the cycle reached contracted');
    const { block, contractIds } = run.acceptance;
    assert.ok(contractIds.length > 0);
    assert.deepEqual(block.receipts, [{ ok: true, code: '' }]);
    const accepted = run.store
      .allContracts('c1')
      .filter((c) => contractIds.includes(`c1/${c.deal}`))
      .flatMap((c) => c.acceptances.filter((a) => a.how === 'signed').map((a) => ({ c, a })));
    assert.equal(accepted.length, contractIds.length);
    for (const { c, a } of accepted) {
      // What a regulator holds: the acceptance, the block header and the block's transactions.
      const txHash = a.txHash!;
      const index = block.txHashes.findIndex((h) => toHex(h) === toHex(txHash));
      assert.equal(index, 0, 'the acceptance names the transaction that carried it');
      const proof = merkleInclusionProof(ed25519Scheme.hash, block.txHashes, index);
      assert.ok(verifyMerkleInclusion(ed25519Scheme.hash, txHash, proof, block.header.txRoot));
      const bytes = block.transactions[index]!.bytes;
      assert.equal(toHex(ed25519Scheme.hash(bytes)), toHex(txHash));
      const tx = decodeTransaction(bytes, ed25519Scheme);
      checkTransaction(ed25519Scheme, tx, { chainId: CHAIN, shardId: 0 });
      assert.equal(toHex(tx.sender), toHex(partyKey(c, a.role)), 'signed by the party of the role');
      assert.equal(tx.type, MARKET_TX_TYPE);
      assert.deepEqual(decodeMarketPayload(tx.payload), {
        type: 'acceptContracts',
        cycleId: 'c1',
        contractIds,
      });
      assert.equal(a.height, block.header.height);
    }
  });
});
