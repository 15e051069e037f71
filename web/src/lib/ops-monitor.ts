/**
 * The operations monitor's polling, shared by every page like the block stream: every few seconds
 * it reads the status of each validator the answering node names (the shard's committee, or on a
 * sharded system every shard's and the root chain's, from GET /api/v1/sharding) straight from that
 * validator's own API, which answers status to any origin. The readings go through the pure rules
 * of ops-alerts.ts and latency.ts; this file only fetches and keeps them.
 */
import { useSyncExternalStore } from 'react';
import { ApiError, api } from './api.js';
import { type LatencyReading, pruneReadings } from './latency.js';
import {
  type ChainTrack,
  chainSample,
  type NodeTrack,
  ROOT_SHARD_ID,
  recordPoll,
  trackChain,
} from './ops-alerts.js';
import type { Network, Status } from './types.js';

export const POLL_MS = 5_000;
const POLL_TIMEOUT_MS = 4_000;
/** Latency readings are kept for this long: the live window and the reading before it. */
export const LATENCY_WINDOW_MS = 60_000;

export interface Target {
  readonly shardId: number;
  readonly index: number;
  readonly committee: number;
  /** The validator's API as genesis names it. */
  readonly api: string;
  /** Whether it is the validator that serves this page (read on the page's own origin). */
  readonly self: boolean;
}

export interface MonitorState {
  /** Null until the answering node said which validators there are. */
  readonly targets: readonly Target[] | null;
  /** Parallel to `targets`. */
  readonly nodes: readonly NodeTrack[];
  readonly chains: ReadonlyMap<number, ChainTrack>;
  /** The answering validator's commit-latency readings, oldest first. */
  readonly latency: readonly LatencyReading[];
  readonly polledAtMs: number | null;
  readonly error: string | null;
  /** The answering chain's roles and credit (GET /api/v1/roles); null on a PBFT chain or before the first read. */
  readonly roles: RolesView | null;
}

/** What the monitor shows of GET /api/v1/roles: per member of the answering chain. */
export interface RolesView {
  readonly shardId: number;
  readonly creditScale: number;
  readonly nodes: readonly {
    readonly index: number;
    readonly role: string;
    readonly credit: number;
    readonly cycleScore: number | null;
    readonly suspended: boolean;
    readonly suspension: { readonly round: number } | null;
  }[];
}

interface ShardingView {
  readonly shardId: number;
  readonly shards: readonly { readonly shardId: number; readonly validators: readonly string[] }[];
  readonly root: { readonly validators: readonly string[] };
}

let state: MonitorState = {
  targets: null,
  nodes: [],
  chains: new Map(),
  latency: [],
  polledAtMs: null,
  error: null,
  roles: null,
};
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let polling = false;

function publish(next: MonitorState) {
  state = next;
  for (const listener of listeners) listener();
}

/** Every validator to poll, from the answering node's own view of the system. */
async function discover(): Promise<Target[]> {
  const status = await api.get<Status>('/api/v1/status');
  const sharding = await api.get<ShardingView>('/api/v1/sharding').catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  });
  // The chain this node serves, as the answer that lists the committees names it.
  const servedShard = sharding?.shardId ?? status.shardId;
  const isSelf = (shardId: number, index: number) =>
    shardId === servedShard && index === status.validatorIndex;
  if (sharding === null) {
    const network = await api.get<Network>('/api/v1/network');
    return network.validators.map((v) => ({
      shardId: network.shardId,
      index: v.index,
      committee: network.validators.length,
      api: v.api,
      self: isSelf(network.shardId, v.index),
    }));
  }
  const committees = [
    { shardId: ROOT_SHARD_ID, validators: sharding.root.validators },
    ...sharding.shards.map((s) => ({ shardId: s.shardId, validators: s.validators })),
  ];
  return committees.flatMap(({ shardId, validators }) =>
    validators.map((apiUrl, index) => ({
      shardId,
      index,
      committee: validators.length,
      api: apiUrl,
      self: isSelf(shardId, index),
    })),
  );
}

async function readStatus(target: Target): Promise<Status> {
  if (target.self) return api.get<Status>('/api/v1/status');
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), POLL_TIMEOUT_MS);
  try {
    const response = await fetch(`${target.api.replace(/\/+$/, '')}/api/v1/status`, {
      signal: controller.signal,
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as Status;
  } finally {
    clearTimeout(timeout);
  }
}

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    let { targets, nodes } = state;
    if (targets === null) {
      targets = await discover();
      nodes = targets.map((t) => ({
        shardId: t.shardId,
        index: t.index,
        committee: t.committee,
        last: null,
        failingSinceMs: null,
      }));
    }
    const answers = await Promise.allSettled(targets.map(readStatus));
    const atMs = Date.now();
    const polled = nodes.map((node, i) => {
      const answer = answers[i]!;
      return answer.status === 'fulfilled'
        ? recordPoll(node, {
            atMs,
            height: answer.value.height,
            mempoolSize: answer.value.mempoolSize,
            peers: answer.value.peers.length,
          })
        : recordPoll(node, { failedAtMs: atMs });
    });
    const chains = new Map(state.chains);
    for (const shardId of new Set(targets.map((t) => t.shardId))) {
      const sample = chainSample(polled, shardId, atMs);
      if (sample !== null) chains.set(shardId, trackChain(chains.get(shardId) ?? null, sample));
    }
    const selfAt = targets.findIndex((t) => t.self);
    const selfAnswer = answers[selfAt];
    const latency =
      selfAnswer?.status === 'fulfilled' && selfAnswer.value.commitLatency !== undefined
        ? pruneReadings(
            [...state.latency, { atMs, histogram: selfAnswer.value.commitLatency }],
            atMs,
            LATENCY_WINDOW_MS,
          )
        : state.latency;
    // Credit is audited by the answering node from its own chain; it is not a cross-origin read.
    const roles = await api.get<RolesView>('/api/v1/roles').catch(() => state.roles);
    publish({ targets, nodes: polled, chains, latency, polledAtMs: atMs, error: null, roles });
  } catch (error) {
    publish({ ...state, error: error instanceof Error ? error.message : String(error) });
  } finally {
    polling = false;
  }
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === null) {
    // What was seen before a pause says nothing about the time in between: start the tracks anew.
    publish({
      ...state,
      nodes: state.nodes.map((n) => ({ ...n, last: null, failingSinceMs: null })),
      chains: new Map(),
      latency: [],
    });
    void poll();
    timer = setInterval(() => void poll(), POLL_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

export function useOpsMonitor(): MonitorState {
  return useSyncExternalStore(subscribe, () => state);
}
