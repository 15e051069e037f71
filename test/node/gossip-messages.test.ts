import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/crypto/hash.js';
import { isGridShardError } from '../../src/errors.js';
import {
  type BlockAnnouncement,
  decodeBlockAnnouncement,
  decodeTxGossip,
  encodeBlockAnnouncement,
  encodeTxGossip,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_GOSSIP_TX_BYTES,
} from '../../src/network/gossip-messages.js';
import { gossipTopics } from '../../src/network/host.js';
import { GossipTxRelay, type ProposeReason } from '../../src/node/gossip.js';

const enc = (s: string) => new TextEncoder().encode(s);
const chain = { chainId: 'gossip-unit', shardId: 3 };
const announcement: BlockAnnouncement = {
  ...chain,
  height: 42,
  blockHash: sha256(enc('block')),
  stateRoot: sha256(enc('state')),
  txCount: 17,
  timestampMs: 1_700_000_000_123,
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isGridShardError(error), `typed error expected, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a refusal');
}

describe('gossip topics', () => {
  it('are named per chain and shard', () => {
    assert.deepEqual(gossipTopics('gridshard-devnet', 0), {
      tx: '/gridshard/gridshard-devnet/0/tx/1',
      blocks: '/gridshard/gridshard-devnet/0/blocks/1',
      attestations: '/gridshard/gridshard-devnet/0/attestations/1',
    });
  });
});

describe('block announcement codec', () => {
  it('round-trips to the same canonical bytes', () => {
    const bytes = encodeBlockAnnouncement(announcement);
    assert.ok(bytes.length <= MAX_ANNOUNCEMENT_BYTES);
    const decoded = decodeBlockAnnouncement(bytes, chain);
    assert.deepEqual(decoded, announcement);
    assert.deepEqual(encodeBlockAnnouncement(decoded), bytes);
  });

  it('refuses garbage, truncation, trailing bytes and an unknown version', () => {
    const bytes = encodeBlockAnnouncement(announcement);
    assert.equal(
      code(() => decodeBlockAnnouncement(new Uint8Array(0), chain)),
      'UNEXPECTED_END',
    );
    assert.equal(
      code(() => decodeBlockAnnouncement(enc('not an announcement at all'), chain)),
      'UNKNOWN_VERSION',
    );
    assert.equal(
      code(() => decodeBlockAnnouncement(bytes.subarray(0, bytes.length - 1), chain)),
      'UNEXPECTED_END',
    );
    assert.equal(
      code(() => decodeBlockAnnouncement(Uint8Array.from([...bytes, 0]), chain)),
      'TRAILING_BYTES',
    );
    const v2 = bytes.slice();
    v2[0] = 2;
    assert.equal(
      code(() => decodeBlockAnnouncement(v2, chain)),
      'UNKNOWN_VERSION',
    );
  });

  it('refuses an oversize message before parsing it, another chain or shard, and block 0', () => {
    assert.equal(
      code(() => decodeBlockAnnouncement(new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1), chain)),
      'MESSAGE_TOO_LARGE',
    );
    const other = encodeBlockAnnouncement({ ...announcement, shardId: 4 });
    assert.equal(
      code(() => decodeBlockAnnouncement(other, chain)),
      'BAD_MESSAGE',
    );
    const otherChain = encodeBlockAnnouncement({ ...announcement, chainId: 'elsewhere' });
    assert.equal(
      code(() => decodeBlockAnnouncement(otherChain, chain)),
      'BAD_MESSAGE',
    );
    const genesis = encodeBlockAnnouncement({ ...announcement, height: 0 });
    assert.equal(
      code(() => decodeBlockAnnouncement(genesis, chain)),
      'BAD_MESSAGE',
    );
  });

  it('refuses to encode a hash of the wrong length', () => {
    assert.equal(
      code(() => encodeBlockAnnouncement({ ...announcement, blockHash: new Uint8Array(31) })),
      'INVALID_VALUE',
    );
  });
});

describe('transaction gossip codec', () => {
  it('round-trips the transaction bytes', () => {
    const tx = enc('signed transaction bytes');
    const bytes = encodeTxGossip(tx);
    assert.deepEqual(decodeTxGossip(bytes), tx);
  });

  it('refuses an empty, oversize, trailing, truncated or unknown-version message', () => {
    assert.equal(
      code(() => decodeTxGossip(encodeTxGossip(new Uint8Array(0)))),
      'BAD_MESSAGE',
    );
    assert.equal(
      code(() => encodeTxGossip(new Uint8Array(MAX_GOSSIP_TX_BYTES + 1))),
      'MESSAGE_TOO_LARGE',
    );
    assert.equal(
      code(() => decodeTxGossip(new Uint8Array(MAX_GOSSIP_TX_BYTES + 100))),
      'MESSAGE_TOO_LARGE',
    );
    const bytes = encodeTxGossip(enc('tx'));
    assert.equal(
      code(() => decodeTxGossip(Uint8Array.from([...bytes, 1]))),
      'TRAILING_BYTES',
    );
    assert.equal(
      code(() => decodeTxGossip(bytes.subarray(0, 2))),
      'UNEXPECTED_END',
    );
    assert.equal(
      code(() => decodeTxGossip(Uint8Array.from([9, ...bytes.subarray(1)]))),
      'UNKNOWN_VERSION',
    );
    // A length prefix claiming more than the limit is refused from the prefix alone.
    assert.equal(
      code(() => decodeTxGossip(Uint8Array.from([1, 0xff, 0xff, 0x7f]))),
      'OUT_OF_RANGE',
    );
  });
});

describe('gossiped transaction relay', () => {
  const hashWithFirstByte = (b: number) => Uint8Array.from([b, ...new Uint8Array(31)]);

  it('proposes at once only at the designated validator, elsewhere after staggered delays', () => {
    const proposed: [number, ProposeReason, number][] = [];
    let now = 1000;
    const relays = [0, 1, 2, 3].map(
      (self) =>
        new GossipTxRelay({
          self,
          committeeSize: 4,
          fallbackMs: 5000,
          propose: (_hash, _bytes, reason) => proposed.push([self, reason, now]),
        }),
    );
    const hash = hashWithFirstByte(6); // 6 mod 4 = 2
    for (const relay of relays) relay.received(hash, enc('tx'), now);
    assert.deepEqual(proposed, [[2, 'designated', 1000]]);
    const tickAll = (at: number) => {
      now = at;
      for (const relay of relays) relay.tick(at);
    };
    tickAll(5999);
    assert.equal(proposed.length, 1, 'nobody else before the first deadline');
    // Validator 2 stays silent: 3 (next after it) stands in after one delay.
    tickAll(6000);
    assert.deepEqual(proposed.at(-1), [3, 'fallback', 6000]);
    // 0 sees the block in time; 1, still without it, stands in after three delays.
    relays[0]!.committed([hash]);
    tickAll(11_000);
    assert.equal(proposed.length, 2);
    tickAll(16_000);
    assert.deepEqual(proposed.at(-1), [1, 'fallback', 16_000]);
    tickAll(60_000);
    assert.equal(proposed.length, 3, 'each proposes at most once');
    assert.equal(relays[1]!.waitingCount, 0);
  });

  it('forgets what was committed', () => {
    const proposed: string[] = [];
    const relay = new GossipTxRelay({
      self: 0,
      committeeSize: 4,
      fallbackMs: 10,
      propose: (hash) => proposed.push(hash),
    });
    relay.received(hashWithFirstByte(1), enc('a'), 0);
    relay.received(hashWithFirstByte(5), enc('b'), 0);
    relay.committed([hashWithFirstByte(1)]);
    relay.tick(1000);
    assert.equal(proposed.length, 1);
    assert.equal(proposed[0]!.slice(0, 2), '05');
  });
});
