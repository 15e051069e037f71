/**
 * The large market cycle alone, in the process `runLargeCycleInProcess` starts with the heap it
 * needs: `node large-cycle-main.js PARTICIPANTS INTERVALS` prints the cycle's figures as JSON.
 */
import { runLargeCycle } from './market.js';

const [participants, intervals] = process.argv.slice(2).map(Number);
if (!Number.isSafeInteger(participants) || !Number.isSafeInteger(intervals)) {
  process.stderr.write('usage: large-cycle-main.js PARTICIPANTS INTERVALS\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(runLargeCycle(participants, intervals))}\n`);
