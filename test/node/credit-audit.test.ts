import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditCycle, CreditLedger, type CycleClock } from '../../src/node/credit-audit.js';
import { CREDIT_SCALE } from '../../src/sharding/index.js';
import { decodeBlockEvidence, decodeBlockProof, encodeBlockProof } from '../../src/validator/evidence.js';
import { auditChain, chainsOf } from './sim-chains.js';

const clock: CycleClock = { genesisTimeMs: 0, cycleMs: 1500 };

describe('credit audited from the chain', () => {
  it('records every ordered vertex, empty ones too, in some block', () => {
    const { chains } = chainsOf(0, 11);
    for (const blocks of chains.values()) {
      const sequences = blocks.flatMap((b) =>
        decodeBlockEvidence(b.header.evidence).batches.map((x) => x.sequence),
      );
      assert.deepEqual(
        sequences,
        sequences.map((_, i) => i),
        'block evidence holds sequences 0, 1, 2, … with no gap',
      );
      const empty = blocks.flatMap((b) =>
        decodeBlockEvidence(b.header.evidence).batches.filter((x) => x.layout?.entries === 0),
      );
      assert.ok(empty.length > 0, 'vertices without transactions are recorded as well');
    }
  });

  it('scores every validator the same way from any honest chain, and a silent one at 0', async () => {
    const { chains, committee, faultyNodes } = chainsOf(1, 7);
    assert.equal(faultyNodes.length, 1);
    const silent = faultyNodes[0]!;
    const audits = await Promise.all(
      [...chains.values()].map((blocks) => auditCycle(auditChain(blocks), committee, clock, 1)),
    );
    for (const audit of audits.slice(1))
      assert.deepEqual(audit, audits[0], 'the same audit from every chain');
    const audit = audits[0]!;
    assert.ok(audit.vertices >= 3 * (audit.lastRound - audit.firstRound), 'three live authors a round');
    assert.equal(audit.scores[silent], 0, 'no vertex and no vote: no credit');
    assert.equal(audit.tallies[silent]!.certified, 0);
    assert.equal(audit.tallies[silent]!.votes, 0);
    for (let v = 0; v < 4; v++) {
      if (v === silent) continue;
      assert.ok(audit.scores[v]! > CREDIT_SCALE / 2, `validator ${v} scores ${audit.scores[v]}`);
      assert.equal(audit.tallies[v]!.missedRounds, 0, `validator ${v} has a vertex every round`);
    }
    // Consecutive cycles cover consecutive rounds.
    const next = await auditCycle(auditChain([...chains.values()][0]!), committee, clock, 2);
    assert.equal(next.firstRound, audit.lastRound + 1);
  });

  it('refuses a cycle that is not over, and a block whose certificate was tampered with', async () => {
    const { chains, committee } = chainsOf(0, 11);
    const blocks = [...chains.values()][0]!;
    const lastCycle = Math.floor(blocks.at(-1)!.header.timestampMs / clock.cycleMs);
    await assert.rejects(auditCycle(auditChain(blocks), committee, clock, lastCycle), {
      code: 'CYCLE_NOT_CLOSED',
    });
    const target = blocks.findIndex((b) => b.header.timestampMs >= clock.cycleMs);
    const proofs = decodeBlockProof(blocks[target]!.batchProofs).map((proof) => {
      const forged = proof.slice();
      forged[forged.length - 10]! ^= 1; // inside the last vote's signature
      return forged;
    });
    const tampered = [...blocks];
    tampered[target] = { ...blocks[target]!, batchProofs: encodeBlockProof(proofs) };
    await assert.rejects(auditCycle(auditChain(tampered), committee, clock, 1), {
      code: 'BAD_CREDIT_EVIDENCE',
    });
    // A certificate of another vertex than the block records does not pass either.
    const shifted = [...blocks];
    const own = decodeBlockProof(blocks[target]!.batchProofs);
    shifted[target] = { ...blocks[target]!, batchProofs: encodeBlockProof([...own.slice(1), own[0]!]) };
    await assert.rejects(auditCycle(auditChain(shifted), committee, clock, 1), {
      code: 'BAD_CREDIT_EVIDENCE',
    });
    // A node reading its own chain does not check the certificates again: its consensus did.
    const trusted = await auditCycle({ ...auditChain(tampered), trusted: true }, committee, clock, 1);
    assert.deepEqual(trusted, await auditCycle(auditChain(blocks), committee, clock, 1));
  });

  it('gives every honest validator the same blocks, whichever quorum of votes each holds', () => {
    const { chains } = chainsOf(1, 7);
    const [first, ...others] = [...chains.values()];
    for (const blocks of others) {
      const height = Math.min(blocks.length, first!.length);
      assert.deepEqual(
        blocks.slice(0, height).map((b) => Buffer.from(b.hash).toString('hex')),
        first!.slice(0, height).map((b) => Buffer.from(b.hash).toString('hex')),
      );
    }
  });

  it('carries credit from cycle to cycle: a silent validator sinks, the others rise', async () => {
    const { chains, committee, faultyNodes } = chainsOf(1, 7);
    const ledger = new CreditLedger(committee, clock);
    const blocks = [...chains.values()][0]!;
    // Fed the chain as it grows, it audits each cycle once.
    const half = await ledger.update(auditChain(blocks.slice(0, Math.floor(blocks.length / 2))));
    const last = await ledger.update(auditChain(blocks));
    assert.ok(half !== null && last !== null && last.cycle > half.cycle);
    assert.equal(ledger.auditedCycles, last.cycle + 1);
    for (let v = 0; v < 4; v++) {
      if (faultyNodes.includes(v)) assert.ok(ledger.creditOf(v) < CREDIT_SCALE / 2);
      else assert.ok(ledger.creditOf(v) > CREDIT_SCALE / 2);
    }
  });

  it('passes over cycles without a block at once, however many', async () => {
    const { chains, committee } = chainsOf(1, 7);
    const blocks = [...chains.values()][0]!;
    // Genesis a million cycles before the first block: one look of 8 audits still catches up.
    const ledger = new CreditLedger(committee, { genesisTimeMs: -1_500_000_000, cycleMs: 1500 });
    const last = await ledger.update(auditChain(blocks), 8);
    assert.equal(last?.scored, true);
    assert.equal(ledger.auditedCycles, ledger.closedCycles);
    assert.ok(ledger.closedCycles > 1_000_000);
  });
});
