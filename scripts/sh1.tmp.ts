import { runShardedSimulation } from '../src/sim/sharded/run.js';
const seed = Number(process.argv[2] ?? 1);
const t0 = performance.now();
const r = runShardedSimulation({ shards: 4, nodesPerShard: 4, faultyPerShard: 1, byzantine: 'all', byzantineMaster: true, crossRatio: 0.5, seed });
console.log(JSON.stringify(r), ((performance.now()-t0)/1000).toFixed(1)+'s');
