import { ROOT_SHARD_ID } from '../cross-zone/root-application.js';
import { checkEd25519PublicKey } from '../crypto/ed25519.js';
import { fromHex } from '../crypto/hash.js';
import { handoverCycleEntry } from '../roles/handover.js';
import { NodeError } from './errors.js';
import type { GenesisFile, GenesisValidator } from './genesis-file.js';

/**
 * The `handover` section of a genesis: the chain's committee is re-elected every cycle from
 * credit (docs/ROLES.md) instead of being fixed. It names the cycle, the length of each
 * key-generation phase (every elected committee generates its coin keys on the chain before it
 * takes over: only the genesis committee's keys come from a dealer), and the standby nodes: common
 * nodes that follow the chain and can be elected in. Standby nodes take the node indices after the
 * validators', so every node of the chain has one stable index, whichever committee it is in.
 */
export interface HandoverGenesisJson {
  /** Block time each committee serves before it is due to hand over. */
  readonly cycleMs: number;
  /** Each of the three key-generation phases of an elected committee. */
  readonly keyPhaseMs: number;
  readonly standby: readonly GenesisValidator[];
}

export const MIN_HANDOVER_CYCLE_MS = 2_000;
export const MAX_HANDOVER_CYCLE_MS = 86_400_000;
export const MIN_KEY_PHASE_MS = 500;
export const MAX_KEY_PHASE_MS = 3_600_000;
const MAX_STANDBY = 100;

function bad(message: string): NodeError {
  return new NodeError('BAD_GENESIS', `genesis: handover: ${message}`, {});
}

/**
 * Checks the section against the rest of the file. A chain that hands over runs the DAG (the
 * epoch's coin is what key generation replaces). In a sharded system a zone shard may hand over
 * (every chain records its handovers from the quorum that elected each committee,
 * src/cross-zone/committee-application.ts); the root committee may not, since the shards' and
 * its own records are checked against it.
 */
export function checkHandoverGenesis(genesis: Partial<GenesisFile>): HandoverGenesisJson | null {
  const section = genesis.handover as Partial<HandoverGenesisJson> | undefined;
  if (section === undefined) return null;
  if (typeof section !== 'object' || section === null) throw bad('must be an object');
  for (const field of Object.keys(section))
    if (!['cycleMs', 'keyPhaseMs', 'standby'].includes(field)) throw bad(`unknown field ${field}`);
  if ((genesis.consensus ?? 'dag') !== 'dag') throw bad('a committee hands over only under the DAG');
  const { cycleMs, keyPhaseMs, standby } = section;
  if (!Number.isInteger(cycleMs) || cycleMs! < MIN_HANDOVER_CYCLE_MS || cycleMs! > MAX_HANDOVER_CYCLE_MS)
    throw bad(`cycleMs must be an integer from ${MIN_HANDOVER_CYCLE_MS} to ${MAX_HANDOVER_CYCLE_MS}`);
  if (!Number.isInteger(keyPhaseMs) || keyPhaseMs! < MIN_KEY_PHASE_MS || keyPhaseMs! > MAX_KEY_PHASE_MS)
    throw bad(`keyPhaseMs must be an integer from ${MIN_KEY_PHASE_MS} to ${MAX_KEY_PHASE_MS}`);
  if (!Array.isArray(standby) || standby.length > MAX_STANDBY)
    throw bad(`standby must be a list of at most ${MAX_STANDBY} nodes`);
  const validators = Array.isArray(genesis.validators) ? genesis.validators : [];
  const seen = new Set(validators.map((v) => v?.publicKey));
  standby.forEach((node, j) => {
    const where = `standby[${j}]`;
    const expected = validators.length + j;
    if (typeof node !== 'object' || node === null) throw bad(`${where} must be an object`);
    if (node.index !== expected) throw bad(`${where}.index must be ${expected} (after the validators)`);
    if (typeof node.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(node.publicKey))
      throw bad(`${where}.publicKey must be 64 lowercase hex characters`);
    try {
      checkEd25519PublicKey(fromHex(node.publicKey));
    } catch (error) {
      throw bad(`${where}.publicKey: ${(error as Error).message}`);
    }
    if (seen.has(node.publicKey)) throw bad(`${where} repeats a validator's or a standby node's key`);
    seen.add(node.publicKey);
    if (typeof node.address !== 'string' || !node.address.startsWith('/'))
      throw bad(`${where}.address must be a multiaddr`);
    if (typeof node.api !== 'string' || !/^https?:\/\//.test(node.api))
      throw bad(`${where}.api must be an http(s) URL`);
  });
  if (genesis.sharding !== undefined) {
    if (genesis.shardId === ROOT_SHARD_ID)
      throw bad('the root committee does not hand over: every chain checks the shards’ handovers against it');
    // Every chain of the system must reach the nodes that may join this shard's committee.
    const listed = genesis.sharding.shards?.[genesis.shardId as number]?.standby ?? [];
    if (listed.map((m) => m.publicKey).join() !== standby.map((n) => n.publicKey).join())
      throw bad(`standby must be the nodes sharding lists as shard ${genesis.shardId}'s standby, in order`);
  }
  return section as HandoverGenesisJson;
}

/** What block 0 records for the section: the cycle, from genesis time, and the key phases. */
export function handoverGenesisState(
  section: HandoverGenesisJson,
  genesisTimeMs: number,
): { key: Uint8Array; value: Uint8Array }[] {
  return [
    handoverCycleEntry({ startMs: genesisTimeMs, cycleMs: section.cycleMs, keyPhaseMs: section.keyPhaseMs }),
  ];
}

/**
 * Every node of the chain by its stable index: the validators of genesis, then the standby nodes.
 * A node's index names it across epochs (its committee index changes with the committee).
 */
export function chainNodesOf(
  genesis: Pick<GenesisFile, 'validators' | 'handover'>,
): readonly GenesisValidator[] {
  return genesis.handover === undefined
    ? genesis.validators
    : [...genesis.validators, ...genesis.handover.standby];
}

/** Whether the chain's committee is elected each cycle (the node then runs across epochs). */
export function handsOver(genesis: Pick<GenesisFile, 'handover'>): boolean {
  return genesis.handover !== undefined;
}
