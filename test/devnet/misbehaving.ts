import type { GridShardClient } from '../../src/sdk/client.js';
import { readingSubmitter } from '../node/load.js';

/**
 * How each validator process is started when one is slowed (every consensus message 300 ms late)
 * and one equivocates: the test-only faults of src/node/test-faults.ts, one process each.
 */
export function misbehavingLauncher(slow: number, equivocator: number): (index: number) => readonly string[] {
  return (index) =>
    index === slow
      ? ['/usr/bin/env', 'GRIDSHARD_TEST_DELAY_MS=300']
      : index === equivocator
        ? ['/usr/bin/env', 'GRIDSHARD_TEST_EQUIVOCATE=1']
        : [];
}

/**
 * A steady trickle of transactions through validators 0 and 1, as a running market sends: block
 * time (and so every cycle clock) moves with the time markers validators put in front of what
 * they propose. `stop` ends it and waits for the last round to return.
 */
export function trickle(clients: readonly GridShardClient[], chainId: string, label: string) {
  const submit = readingSubmitter(clients, chainId, label);
  let sending = true;
  const done = (async () => {
    for (let k = 0; sending; k += 4) {
      await submit(k, 4, [0, 1]).catch(() => []);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: async () => {
      sending = false;
      await done;
    },
  };
}
