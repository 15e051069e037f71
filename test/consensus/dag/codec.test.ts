import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../../src/codec/index.js';
import {
  type DagMessage,
  decodeDagMessage,
  encodeDagMessage,
  headerDigest,
} from '../../../src/consensus/dag/index.js';
import { Cluster, txs } from './harness.js';

describe('DAG message codec', () => {
  const cluster = new Cluster(4, 11);
  cluster.start();
  cluster.submit(0, txs('codec', 3));
  cluster.run(600);
  const kinds = new Map<string, DagMessage>();
  for (const { message } of cluster.sent) if (!kinds.has(message.type)) kinds.set(message.type, message);

  it('round-trips every message kind the validators sent, byte for byte', () => {
    assert.ok(kinds.has('header') && kinds.has('vote') && kinds.has('certificate'));
    for (const message of kinds.values()) {
      const bytes = encodeDagMessage(message);
      const decoded = decodeDagMessage(bytes);
      assert.deepEqual(encodeDagMessage(decoded), bytes);
    }
    const header = kinds.get('header') as Extract<DagMessage, { type: 'header' }>;
    const again = decodeDagMessage(encodeDagMessage(header)) as typeof header;
    assert.deepEqual(headerDigest(again.header), headerDigest(header.header));
  });

  it('round-trips requests and sync messages', () => {
    const messages: DagMessage[] = [
      { type: 'request', digests: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] },
      { type: 'sync-request', fromSequence: 17, slot: 4 },
      {
        type: 'sync-response',
        checkpoints: [
          {
            slot: 5,
            nextSequence: 9,
            gcRound: 3,
            lastLeader: 2,
            lastLeaderRound: 7,
            committed: [{ round: 3, digest: new Uint8Array(32).fill(7) }],
          },
        ],
        batches: [
          {
            sequence: 8,
            round: 7,
            proposer: 1,
            transactions: [new Uint8Array([1, 2])],
            randomness: new Uint8Array(32),
            evidence: new Uint8Array(40),
            endsCommit: true,
            proof: new Uint8Array(72).fill(3),
          },
        ],
      },
    ];
    for (const message of messages) assert.deepEqual(decodeDagMessage(encodeDagMessage(message)), message);
  });

  it('refuses truncated, trailing, unknown and garbage input with a CodecError', () => {
    const bytes = encodeDagMessage(kinds.get('certificate')!);
    assert.throws(() => decodeDagMessage(bytes.subarray(0, bytes.length - 1)), CodecError);
    assert.throws(() => decodeDagMessage(new Uint8Array([...bytes, 0])), CodecError);
    assert.throws(() => decodeDagMessage(new Uint8Array([1, 99])), CodecError);
    assert.throws(() => decodeDagMessage(new Uint8Array([7, 1])), CodecError);
    assert.throws(() => decodeDagMessage(new Uint8Array(0)), CodecError);
    for (let i = 0; i < 50; i++) {
      const garbage = new Uint8Array(bytes);
      garbage[(i * 37) % garbage.length] ^= 0xff;
      try {
        decodeDagMessage(garbage);
      } catch (error) {
        assert.ok(error instanceof CodecError);
      }
    }
  });
});
