import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { round } from './stats.js';

export const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

/**
 * Heap in use after a full collection, so samples compare what is retained rather than where the
 * collector happened to be. `gc` is reached without a command-line flag.
 */
let collect: (() => void) | undefined;
export function liveHeapBytes(): number {
  if (collect === undefined) {
    setFlagsFromString('--expose_gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed;
}
