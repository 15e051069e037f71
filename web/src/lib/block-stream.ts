/**
 * One EventSource on /api/v1/events shared by every page: the latest blocks received, with the
 * local time each arrived, from which the overview derives throughput and delays.
 */
import { useSyncExternalStore } from 'react';
import type { Arrival } from './throughput.js';
import type { BlockEvent, Received } from './types.js';

interface StreamState {
  readonly blocks: readonly Received[];
  /** Every block's arrival in the last ARRIVALS_MS, oldest first: the live throughput's window. */
  readonly arrivals: readonly Arrival[];
  readonly live: boolean;
  readonly openedAtMs: number;
}

const KEEP = 200;
const ARRIVALS_MS = 120_000;
let state: StreamState = { blocks: [], arrivals: [], live: false, openedAtMs: Date.now() };
const listeners = new Set<() => void>();
let source: EventSource | null = null;

function publish(next: StreamState) {
  state = next;
  for (const listener of listeners) listener();
}

function open() {
  source = new EventSource('/api/v1/events');
  source.onopen = () => publish({ ...state, live: true });
  source.onerror = () => publish({ ...state, live: false });
  source.addEventListener('block', (event) => {
    try {
      const block = JSON.parse((event as MessageEvent<string>).data) as BlockEvent;
      const now = Date.now();
      const blocks = [{ block, receivedAtMs: now }, ...state.blocks].slice(0, KEEP);
      const kept = state.arrivals.findIndex((a) => a.atMs > now - ARRIVALS_MS);
      const arrivals = [
        ...(kept === -1 ? [] : state.arrivals.slice(kept)),
        { atMs: now, txCount: block.txCount },
      ];
      publish({ ...state, blocks, arrivals, live: true });
    } catch {
      // A malformed event is skipped; the next one carries the new head anyway.
    }
  });
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (source === null) open();
  return () => listeners.delete(listener);
}

export function useBlockStream(): StreamState {
  return useSyncExternalStore(subscribe, () => state);
}
