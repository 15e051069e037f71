import type { Committee } from '../../src/consensus/interface.js';
import { genesisChain } from '../../src/ledger/chain-state.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import { handoverCycleEntry } from '../../src/roles/handover.js';

/**
 * A chain `events` whose genesis holds `committee` and a handover cycle (a day long, so nothing
 * falls due in a test), running `application`, and the store view an event formatter reads
 * (`{ store }` of an API node).
 */
export function committeeChain(committee: Committee, application: Parameters<typeof genesisChain>[1]) {
  const chain = genesisChain(
    {
      chainId: 'events',
      shardId: 0,
      scheme: 'ed25519-sha256',
      genesisTimeMs: 0,
      initialState: [
        committeeGenesisEntry(committee),
        handoverCycleEntry({ startMs: 0, cycleMs: 86_400_000 }),
      ].sort((a, b) => Buffer.compare(a.key, b.key)),
    },
    application,
  );
  const store = { getState: (key: Uint8Array) => chain.view().getState(key) };
  return { chain, store };
}
