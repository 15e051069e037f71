import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockJson } from '../../src/api/chain-routes.js';
import { toHex } from '../../src/crypto/hash.js';
import type { ExecutedBlock } from '../../src/ledger/chain-state.js';
import { EpochFollower, LEFT_BEHIND_MS } from '../../src/node/epoch-follower.js';
import { chainsOf, type SimBlock } from './sim-chains.js';

const { chains, committee } = chainsOf(0, 11);
const blocks = chains.get(0)!;
const STANDBY = committee.members.length;
const nodes = [
  ...committee.members.map((m, index) => ({
    index,
    publicKey: toHex(m.publicKey),
    address: `/ip4/127.0.0.1/tcp/${7000 + index}`,
    api: `http://member-${index}`,
  })),
  { index: STANDBY, publicKey: '00'.repeat(32), address: '/ip4/127.0.0.1/tcp/7100', api: 'http://standby' },
];

/** How member i answers: its height, its epoch, and whether it forges the block at its head. */
interface Member {
  readonly height: number | null;
  readonly epoch?: number;
  readonly forges?: boolean;
}

function harness(members: readonly Member[], member = false) {
  const taken: ExecutedBlock[] = [];
  let resigned = 0;
  let now = 0;
  const chain = {
    get executedHeader() {
      return taken.at(-1)?.header ?? { ...blocks[0]!.header, height: 0 };
    },
    get executedHash() {
      return taken.at(-1)?.hash ?? blocks[0]!.header.previousHash;
    },
  };
  const blockOf = (i: number, height: number): SimBlock => {
    const block = blocks[height - 1]!;
    if (!members[i]!.forges || height !== members[i]!.height) return block;
    return { ...block, header: { ...block.header, stateRoot: new Uint8Array(32).fill(7) } };
  };
  const follower = new EpochFollower({
    nodes,
    self: STANDBY,
    chainId: 'sim',
    store: { chain },
    place: () => ({ committee, member }),
    resign: () => {
      resigned++;
    },
    now: () => now,
    get: async (api, path) => {
      const i = Number(/member-(\d+)/.exec(api)![1]);
      const { height, epoch = 0 } = members[i]!;
      if (height === null) throw new Error('unreachable');
      if (path === '/api/v1/status') return { height, epoch };
      const match = /^\/api\/v1\/blocks\/(\d+)(\/transactions)?$/.exec(path)!;
      const at = Number(match[1]);
      if (at > height) return undefined;
      const block = blockOf(i, at);
      if (match[2] === undefined) return blockJson(block);
      return {
        transactions: block.transactions.map((t) => toHex(t.bytes)),
        batchProofs: toHex(block.batchProofs),
      };
    },
    take: (block) => {
      assert.equal(
        toHex(block.hash),
        toHex(blocks[block.header.height - 1]!.hash),
        'only the chain’s own blocks',
      );
      taken.push(block);
    },
    log: { warn: () => {} },
  });
  return {
    follower,
    taken,
    resigned: () => resigned,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('a node outside the committee follows the members’ final blocks', () => {
  const top = Math.min(blocks.length, 20);

  it('takes the blocks f + 1 members vouch for, in order, each certified by the committee', async () => {
    const { follower, taken } = harness([
      { height: top },
      { height: top },
      { height: top - 3 },
      { height: null },
    ]);
    // The second highest of the answers: two members (f + 1) hold it.
    assert.equal(await follower.look(), top);
    assert.deepEqual(
      taken.map((b) => b.header.height),
      Array.from({ length: top }, (_, i) => i + 1),
    );
    assert.equal(await follower.look(), 0, 'nothing new');
  });

  it('takes nothing that only one member shows', async () => {
    const { follower, taken } = harness([
      { height: top },
      { height: null },
      { height: null },
      { height: null },
    ]);
    assert.equal(await follower.look(), 0);
    assert.equal(taken.length, 0);
  });

  it('takes nothing from a member that forges its head unless f + 1 others agree', async () => {
    const lone = harness([
      { height: top, forges: true },
      { height: top },
      { height: null },
      { height: null },
    ]);
    assert.equal(await lone.follower.look(), 0, 'one honest and one forger: no f + 1 on one hash');
    assert.equal(lone.taken.length, 0);
    const outvoted = harness([
      { height: top, forges: true },
      { height: top },
      { height: top },
      { height: null },
    ]);
    assert.equal(await outvoted.follower.look(), top);
  });

  it('refuses a block whose batch proofs do not certify it', async () => {
    const tampered = harness([{ height: top }, { height: top }, { height: top }, { height: top }]);
    const original = blocks[0]!.batchProofs;
    const broken = new Uint8Array(original);
    broken[broken.length - 1]! ^= 1;
    (blocks[0] as { batchProofs: Uint8Array }).batchProofs = broken;
    try {
      await assert.rejects(
        tampered.follower.look(),
        (e: Error & { code?: string }) => e.code === 'BAD_CERTIFICATE',
      );
      assert.equal(tampered.taken.length, 0);
    } finally {
      (blocks[0] as { batchProofs: Uint8Array }).batchProofs = original;
    }
  });

  it('a member gives its epoch up only when f + 1 members show a later one for a while', async () => {
    const ahead = harness(
      [{ height: 5, epoch: 1 }, { height: 5, epoch: 1 }, { height: 4 }, { height: null }],
      true,
    );
    await ahead.follower.look();
    ahead.advance(LEFT_BEHIND_MS - 1);
    await ahead.follower.look();
    assert.equal(ahead.resigned(), 0, 'not yet: it may be a block short of the boundary');
    ahead.advance(1);
    await ahead.follower.look();
    assert.equal(ahead.resigned(), 1);
    assert.equal(ahead.taken.length, 0, 'a member takes no block from others');
    const one = harness([{ height: 5, epoch: 1 }, { height: 5 }, { height: 4 }, { height: null }], true);
    for (let i = 0; i < 5; i++) {
      await one.follower.look();
      one.advance(LEFT_BEHIND_MS);
    }
    assert.equal(one.resigned(), 0, 'one member alone (maybe Byzantine) cannot make it resign');
  });
});
