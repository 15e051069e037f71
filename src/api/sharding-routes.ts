import { ROOT_SHARD_ID, readShardHead } from '../cross-zone/root-application.js';
import { readAccountRecord, readTradeRecord } from '../cross-zone/state-book.js';
import { toHex } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import {
  apiOfShardMember,
  cycleAt,
  latestShardCommittee,
  mastersOfCycle,
  shardCreditOf,
} from '../node/cross-relay.js';
import { ROUTES } from '../routes/index.js';
import type { ApiNode } from './interface.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';

const BEACON_WAIT_MS = 1000;

/** The sharded system's routes: answered 404 NOT_SHARDED on a chain whose genesis names none. */
export function registerShardingRoutes(server: RouteServer, node: ApiNode, now: () => number): void {
  const state = { get: (key: Uint8Array) => node.store.getState(key) };
  const notSharded = 'this chain is not part of a sharded system';
  /**
   * The cycle's beacon if the root chain gives one within BEACON_WAIT_MS (a zone shard asks a root
   * validator, and may have to search its chain); else null, the public order.
   */
  const beaconOf = async (cycle: number): Promise<Uint8Array | null> => {
    const source = node.masterBeacon;
    const { sharding } = node.genesis;
    if (source === undefined || sharding === undefined) return null;
    const known = source.known(cycle);
    if (known !== null) return known;
    // A cycle past the next has no beacon yet anywhere: answered without asking the root chain,
    // so a request cannot make this node send others.
    if (cycle > cycleAt({ ...node.genesis, sharding }, now()) + 1) return null;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), BEACON_WAIT_MS);
    });
    try {
      return await Promise.race([source.resolve(cycle).catch(() => null), waited]);
    } finally {
      clearTimeout(timer);
    }
  };

  const latestEpochs = new Map<number, number>();
  /**
   * A shard's masters for a cycle: indices into its latest committee this chain knows, with their
   * APIs and the credit each was drawn by (null: genesis's committee, drawn uniformly).
   */
  const mastersOf = (cycle: number, shard: number, beacon: Uint8Array | null) => {
    const { sharding } = node.genesis;
    if (sharding === undefined) return { masters: [], apis: [], credit: null };
    const committee = latestShardCommittee(state, shard, latestEpochs);
    const size = committee?.members.length ?? 0;
    const credit = committee === undefined ? null : shardCreditOf(state, committee);
    const masters = mastersOfCycle({ ...node.genesis, sharding }, cycle, shard, beacon, size, credit);
    const apis = masters.map(
      (i) => apiOfShardMember(sharding, shard, committee!.members[i]!.publicKey) ?? '',
    );
    return {
      masters,
      apis,
      epoch: committee?.epoch ?? 0,
      credit: credit === null ? null : masters.map((i) => credit[i]!),
    };
  };

  server.serve(ROUTES.sharding, async (_request, reply) => {
    const { genesis } = node;
    const sharding = genesis.sharding;
    if (sharding === undefined) return sendProblem(reply, 404, notSharded, 'NOT_SHARDED');
    const withSharding = { ...genesis, sharding };
    const cycle = cycleAt(withSharding, now());
    const beacon = await beaconOf(cycle);
    const isRoot = genesis.shardId === ROOT_SHARD_ID;
    return {
      chainId: genesis.chainId,
      shardId: genesis.shardId,
      role: isRoot ? 'root' : 'zone-shard',
      cycle,
      cycleMs: sharding.cycleMs,
      shards: sharding.shards.map((shard) => {
        const head = isRoot ? readShardHead(state, shard.shardId) : undefined;
        return {
          shardId: shard.shardId,
          validators: shard.validators.map((v) => v.api),
          epoch: mastersOf(cycle, shard.shardId, beacon).epoch,
          masters: mastersOf(cycle, shard.shardId, beacon).masters,
          ...(head === undefined ? {} : { rootHeight: head.height, rootBlockHash: toHex(head.blockHash) }),
        };
      }),
      root: { validators: sharding.root.validators.map((v) => v.api) },
    };
  });

  server.serve(ROUTES.crossShare, async (request, reply) => {
    const relay = node.crossRelay;
    if (relay === undefined)
      return sendProblem(reply, 404, 'this node relays no cross-zone votes', 'NOT_SHARDED');
    try {
      return reply.status(202).send({ accepted: relay.receiveShare(request.body.trade, request.body.share) });
    } catch (error) {
      if (isGridShardError(error)) return sendProblem(reply, 400, error.message, error.code);
      throw error;
    }
  });

  server.serve(ROUTES.crossTrade, async (request, reply) => {
    if (node.genesis.sharding === undefined) return sendProblem(reply, 404, notSharded, 'NOT_SHARDED');
    const record = readTradeRecord(state, request.params.id);
    if (record === undefined)
      return sendProblem(reply, 404, 'this shard has no record of the trade', 'NOT_FOUND');
    return {
      tradeId: request.params.id,
      shardId: node.genesis.shardId,
      status: record.status,
      verdict: record.verdict.kind === 'commit' ? 'commit' : `abort:${record.verdict.reason}`,
    };
  });

  server.serve(ROUTES.crossAccount, async (request, reply) => {
    if (node.genesis.sharding === undefined) return sendProblem(reply, 404, notSharded, 'NOT_SHARDED');
    const record = readAccountRecord(state, request.params.account);
    if (record === undefined) return sendProblem(reply, 404, 'no such account in this shard', 'NOT_FOUND');
    return {
      account: request.params.account,
      money: String(record.money),
      energy: String(record.energy),
      lockedMoney: String(record.lockedMoney),
      lockedEnergy: String(record.lockedEnergy),
    };
  });

  server.serve(ROUTES.cycleMasters, async (request, reply) => {
    const { genesis } = node;
    const sharding = genesis.sharding;
    if (sharding === undefined) return sendProblem(reply, 404, notSharded, 'NOT_SHARDED');
    const cycle = Number(request.params.cycle);
    const beacon = await beaconOf(cycle);
    return {
      cycle,
      startsAtMs: genesis.genesisTimeMs + cycle * sharding.cycleMs,
      beacon: beacon === null ? 'public' : 'root-coin',
      ...(node.masterBeacon?.heightOf(cycle) === undefined
        ? {}
        : { beaconHeight: node.masterBeacon.heightOf(cycle) }),
      shards: sharding.shards.map((shard) => {
        const { masters, apis, epoch, credit } = mastersOf(cycle, shard.shardId, beacon);
        return { shardId: shard.shardId, epoch, masters, apis, credit };
      }),
    };
  });
}
