import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../../src/consensus/interface.js';
import type { ProtocolAdapter } from '../../src/sim/adapters/types.js';
import { runSimulation } from '../../src/sim/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Started {
  readonly index: number;
  readonly recovered: number | null;
  readonly signedLog: readonly string[];
}

/**
 * A counter that signs one record every 100 ms: its state at any instant is the count, so what a
 * restart gets back can be compared with what was durable at the crash.
 */
class Counter implements ConsensusCore<string> {
  count = 0;
  constructor(
    readonly index: number,
    init: ValidatorInit,
    started: Started[],
  ) {
    if (init.recovered !== undefined) this.count = Number(decoder.decode(init.recovered));
    const log = (init.signedLog ?? []).map((r) => decoder.decode(r));
    for (const record of log) this.count = Math.max(this.count, Number(record.split(':')[1]));
    started.push({
      index,
      recovered: init.recovered === undefined ? null : Number(decoder.decode(init.recovered)),
      signedLog: log,
    });
  }

  handle(input: ConsensusInput<string>, nowMs: number): ConsensusEffect<string>[] {
    if (input.kind === 'start') return [{ kind: 'timer', name: 'tick', atMs: nowMs + 100 }];
    if (input.kind !== 'timer') return [];
    this.count++;
    return [
      { kind: 'persist-signed', record: encoder.encode(`${this.index}:${this.count}`) },
      { kind: 'timer', name: 'tick', atMs: nowMs + 100 },
    ];
  }

  snapshot(): Uint8Array {
    return encoder.encode(String(this.count));
  }
}

function counterAdapter(started: Started[]): ProtocolAdapter<unknown> {
  return {
    name: 'counter',
    genesis: (n) => {
      const members = Array.from({ length: n }, (_, index) => ({ index, publicKey: new Uint8Array(32) }));
      const committee = { shardId: 0, epoch: 0, members };
      return members.map((m) => ({ committee, index: m.index, signingSeed: new Uint8Array(32) }));
    },
    create: (init) => new Counter(init.index, init, started) as ConsensusCore<unknown>,
    equivocate: () => null,
    corrupt: () => null,
    badCoinInit: () => null,
    farFuture: () => null,
    reliedOn: () => null,
    encode: (m) => encoder.encode(String(m)),
    decode: (b) => decoder.decode(b),
    classify: () => null,
    equivocationMonitor: () => ({ observe: () => {}, signed: () => null }),
    brain: () => {
      throw new Error('no brain for the counter');
    },
    progress: () => 0,
  };
}

describe('crash with loss', () => {
  it('restarts a validator from its last periodic snapshot plus every signed record since', () => {
    let checked = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const started: Started[] = [];
      const result = runSimulation({
        protocol: 'counter',
        adapter: counterAdapter(started),
        nodes: 4,
        faulty: 0,
        byzantine: 'silent',
        seed,
        adversary: 'crash-loss',
        transactions: 0,
      });
      // The first four starts are the initial ones; each restart adds one, in order.
      result.restarts.forEach((restart, j) => {
        const start = started[4 + j]!;
        assert.equal(start.index, restart.instance);
        const snapshotCount = start.recovered ?? 0;
        const log = start.signedLog.map((r) => Number(r.split(':')[1]));
        // The signed records continue the snapshot without a gap or a repeat.
        assert.deepEqual(
          log,
          log.map((_, k) => snapshotCount + 1 + k),
        );
        assert.equal(restart.fromSnapshot, start.recovered !== null);
        assert.equal(restart.signedRecords, log.length);
        checked++;
      });
    }
    assert.ok(checked >= 6, `only ${checked} restarts`);
  });

  it('a DAG validator restarts from durable state and the others carry on', () => {
    const result = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'silent',
      seed: 2,
      adversary: 'crash-loss',
      transactions: 20,
    });
    assert.ok(result.restarts.length > 0);
    assert.equal(result.restarts[0]!.fromSnapshot, true);
  });

  it('no honest DAG or PBFT validator equivocates after a lossy restart', () => {
    // Restarted from a snapshot up to a second old without its signed records, a validator
    // signed a second header for a round it had proposed (DAG seed 2) or a second pre-prepare
    // (PBFT seed 1); with the records replayed it signs nothing new for those slots.
    for (const [protocol, seed] of [
      ['dag', 2],
      ['pbft', 1],
    ] as const) {
      const result = runSimulation({
        protocol,
        nodes: 4,
        faulty: 1,
        byzantine: 'silent',
        seed,
        adversary: 'crash-loss',
        transactions: 50,
      });
      assert.equal(result.equivocationOk, true, `${protocol}: ${result.problems.join('; ')}`);
      assert.equal(
        result.agreementOk && result.validityOk,
        true,
        `${protocol}: ${result.problems.join('; ')}`,
      );
    }
  });

  it('a PBFT primary entering a view behind the checkpoint does not propose before the plan is in (seed 7)', () => {
    // Seed 7: validator 1 restarts, becomes primary of view 1, and adopts the new view's
    // checkpoint; the window moved and it proposed sequence 23 at once, then the plan handed
    // sequence 23 out again and it signed a second pre-prepare for it.
    const result = runSimulation({
      protocol: 'pbft',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      seed: 7,
      adversary: 'crash-loss',
    });
    assert.ok(
      result.equivocationOk && result.agreementOk && result.livenessOk,
      `replay: npx gridshard sim --protocol pbft --nodes 4 --faulty 1 --adversary crash-loss --seeds 1 --seed-start 7 --json; ${result.problems.join('; ')}`,
    );
  });

  it('PBFT commits everything after honest restarts beside a silent validator (seeds 95087, 98035, 95038, 95410, 95055, 95714)', () => {
    const stalls = [
      // Validator 0 (primary of view 0) is silent; validator 2 asked for view 1, went down before
      // the new-view reached it and came back still asking. The others ignored a request for a
      // view they were already in, and view 1 had no quorum without it: nothing ever committed.
      { seed: 95087, byzantine: 'silent', execute: false },
      // Validator 0 restarted from a snapshot whose stable checkpoint was 0, fetched decisions up
      // to 66 but missed the checkpoint messages for 64, and kept prepared proofs for 64 and 65
      // from its signed log. Its view-changes carried them outside its window; the others refused
      // every one, and with validator 3 silent no view had a quorum again.
      { seed: 98035, byzantine: 'all', execute: true },
      // Validator 2 restarted from a snapshot taken in the middle of its view change: the snapshot
      // covered its view-change message but did not hold it, so it never asked again, and the
      // primary of the view it wanted never learned it was behind. 95410 also stalled before the
      // validator signed its view-change again at such a restart, and passes since.
      { seed: 95038, byzantine: 'silent', execute: true },
      { seed: 95410, byzantine: 'silent', execute: true },
      // The primary's pre-prepare for sequence 95 reached validator 3 while validator 2 was down;
      // validator 3 suspected the primary alone, validator 2 never waited, and one transaction
      // never committed. The primary now sends its pre-prepares again when a backup suspects it.
      { seed: 95055, byzantine: 'silent', execute: true },
      // Both backups restarted after the primary's pre-prepares for 82 to 85 reached one of them;
      // neither held those pre-prepares again, nobody waited on the primary, and 13 transactions
      // never committed. A primary asked twice by a level peer while nothing executed sends its
      // part of the view again.
      { seed: 95714, byzantine: 'silent', execute: true },
    ] as const;
    for (const { seed, byzantine, execute } of stalls) {
      const result = runSimulation({
        protocol: 'pbft',
        nodes: 4,
        faulty: 1,
        byzantine,
        seed,
        adversary: 'crash-loss',
        execute,
      });
      assert.ok(
        result.livenessOk && result.agreementOk && result.equivocationOk,
        `replay: npx gridshard sim --protocol pbft --nodes 4 --faulty 1 --adversary crash-loss --byzantine ${byzantine} --seeds 1 --seed-start ${seed}${execute ? ' --execute' : ''} --json; ${result.problems.join('; ')}`,
      );
      assert.equal(result.committedTx, result.submittedTx, `seed ${seed}`);
    }
  });
});
