import { readFileSync } from 'node:fs';
import { Writer } from '../codec/writer.js';
import type { CoinPublicKeys } from '../consensus/coin/index.js';
import type { Committee } from '../consensus/interface.js';
import { checkEd25519PublicKey } from '../crypto/ed25519.js';
import { compareBytes, fromHex, toHex } from '../crypto/hash.js';
import { gridFromJson, gridToJson } from '../grid/json.js';
import type { Grid } from '../grid/model.js';
import type { ChainParameters } from '../ledger/genesis.js';
import { validateChainParameters } from '../ledger/genesis.js';
import { GRID_STATE_KEY, gridGenesisEntry } from '../market/grid-plugins.js';
import { marketGenesisState } from '../market/ledger-application.js';
import { configCodec, type MarketConfig } from '../market/records.js';
import { committeeGenesisEntry } from '../roles/committee-state.js';
import { type Zone, ZoneMap } from '../sharding/index.js';
import { NodeError } from './errors.js';
import { type CreditGenesisJson, creditRulesOf } from './genesis-credit.js';
import { checkHandoverGenesis, type HandoverGenesisJson, handoverGenesisState } from './genesis-handover.js';
import { checkShardingGenesis, type ShardingGenesisJson, shardingGenesisState } from './genesis-sharding.js';

/**
 * The genesis file every node of a chain starts from. It holds only public material: validator
 * keys (which are also their libp2p identities), addresses, the consensus protocol, and (for the
 * DAG) the coin's verification keys. Each validator's secrets (signing key, coin share) live in
 * its own encrypted keystores.
 */
export interface GenesisValidator {
  readonly index: number;
  /** Hex of the raw Ed25519 public key. */
  readonly publicKey: string;
  /** libp2p multiaddr without /p2p, e.g. /ip4/127.0.0.1/tcp/7001. */
  readonly address: string;
  /** Where its HTTP API listens, for clients and operators. */
  readonly api: string;
}

/** The chain's consensus protocol: every validator of a chain runs the same one. */
export type ConsensusName = 'dag' | 'pbft';
export const CONSENSUS_NAMES: readonly ConsensusName[] = ['dag', 'pbft'];

export interface GenesisFile {
  readonly version: 1;
  /** Absent in files written before the choice existed: those chains run the DAG. */
  readonly consensus?: ConsensusName;
  readonly chainId: string;
  readonly shardId: number;
  readonly scheme: 'ed25519-sha256';
  readonly genesisTimeMs: number;
  readonly validators: readonly GenesisValidator[];
  /** The threshold coin's public keys: required by the DAG, absent (or ignored) under PBFT. */
  readonly coin?: { readonly threshold: number; readonly verificationKeys: readonly string[] };
  /** The market's configuration (operators as hex keys); absent for a chain without a market. */
  readonly market?: MarketConfigJson;
  /** The distribution grid the market's security check runs on, in the grid JSON format. */
  readonly grid?: unknown;
  /**
   * Hex Ed25519 keys of observers: common nodes the validators let connect for gossip (block
   * announcements, transactions), never for consensus. Not part of the chain's parameters, so the
   * list can grow without changing block 0; every validator should hold the same list.
   */
  readonly observers?: readonly string[];
  /**
   * The grid zones the chain is sharded by (bus → shard), checked against `grid` (which it
   * needs): disjoint, covering every bus, each connected through its own closed branches. This
   * chain is the shard `shardId` of that map. Absent: one zone, the whole feeder.
   */
  readonly zones?: readonly Zone[];
  /**
   * The sharded system this chain belongs to (genesis-sharding.ts): every shard's committee and
   * the root committee, the cycle length, and the opening cross-zone balances homed here.
   */
  readonly sharding?: ShardingGenesisJson;
  /** How validators are scored (genesis-credit.ts): weights, carry, cycle length; defaults when absent. */
  readonly credit?: CreditGenesisJson;
  /**
   * The committee is re-elected every cycle (genesis-handover.ts): the cycle, the key-generation
   * phases and the standby nodes. Absent: the genesis committee is fixed.
   */
  readonly handover?: HandoverGenesisJson;
}

/** Keys are hex in JSON; `subsidyAccount` may be left out (the well-known default account). */
export type MarketConfigJson = Omit<MarketConfig, 'operators' | 'subsidyAccount'> & {
  readonly operators: readonly string[];
  readonly subsidyAccount?: string;
};

export function marketConfigFromJson(json: MarketConfigJson): MarketConfig {
  if (!Array.isArray(json.operators) || !json.operators.every((k) => isHex(k, 32))) {
    throw bad('market.operators must be a list of 32-byte hex keys');
  }
  for (const [i, key] of json.operators.entries()) checkKey(key, `market.operators[${i}]`);
  if (json.subsidyAccount !== undefined && !isHex(json.subsidyAccount, 32)) {
    throw bad('market.subsidyAccount must be a 32-byte hex key');
  }
  const config = {
    ...json,
    operators: json.operators.map(fromHex),
    subsidyAccount: json.subsidyAccount === undefined ? undefined : fromHex(json.subsidyAccount),
  } as unknown as MarketConfig;
  try {
    configCodec.write(new Writer(1024), config);
  } catch (error) {
    throw bad(`market: ${(error as Error).message}`);
  }
  return config;
}

/** A state value's limit in block 0's encoding (`decodeChainParameters`). */
const MAX_GRID_DOCUMENT_BYTES = 1024 * 1024;

function bad(message: string): NodeError {
  return new NodeError('BAD_GENESIS', `genesis: ${message}`, {});
}

/** A key that names a signer must be one that cannot sign for everyone (see crypto/ed25519.ts). */
function checkKey(hex: string, where: string): void {
  try {
    checkEd25519PublicKey(fromHex(hex));
  } catch (error) {
    throw bad(`${where}: ${(error as Error).message}`);
  }
}

function isHex(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === bytes * 2 && /^[0-9a-f]+$/.test(value);
}

/** Checks every field of a parsed genesis file; a typed BAD_GENESIS names the first bad one. */
/** Reads and checks a genesis file; a missing or unreadable file is a BAD_GENESIS error too. */
export function readGenesisFile(path: string): GenesisFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw bad(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseGenesis(json);
}

export function parseGenesis(json: unknown): GenesisFile {
  const g = json as Partial<GenesisFile> | null;
  if (typeof g !== 'object' || g === null) throw bad('not a JSON object');
  if (g.version !== 1) throw bad(`unsupported version ${String(g.version)}`);
  if (g.scheme !== 'ed25519-sha256') throw bad('the consensus committee needs scheme ed25519-sha256');
  // Before block 0 is built from it.
  checkHandoverGenesis(g);
  try {
    validateChainParameters(chainParametersOf(g as GenesisFile));
  } catch (error) {
    // The market's and the grid's own refusals already name their section.
    if (error instanceof NodeError) throw error;
    throw bad((error as Error).message);
  }
  if (!Array.isArray(g.validators) || g.validators.length < 1 || g.validators.length > 100) {
    throw bad('validators must be a list of 1 to 100 entries');
  }
  const seen = new Set<string>();
  g.validators.forEach((v, i) => {
    if (v?.index !== i) throw bad(`validators[${i}].index must be ${i}`);
    if (!isHex(v.publicKey, 32)) throw bad(`validators[${i}].publicKey must be 64 hex characters`);
    checkKey(v.publicKey, `validators[${i}].publicKey`);
    if (seen.has(v.publicKey)) throw bad(`validators[${i}] repeats a public key`);
    seen.add(v.publicKey);
    if (typeof v.address !== 'string' || !v.address.startsWith('/'))
      throw bad(`validators[${i}].address must be a multiaddr`);
    if (typeof v.api !== 'string' || !/^https?:\/\//.test(v.api))
      throw bad(`validators[${i}].api must be an http(s) URL`);
  });
  if (g.consensus !== undefined && !(CONSENSUS_NAMES as readonly unknown[]).includes(g.consensus)) {
    throw bad(`consensus must be one of ${CONSENSUS_NAMES.join(', ')}, got ${JSON.stringify(g.consensus)}`);
  }
  const coin = g.coin;
  // PBFT has no coin; a coin section in its genesis is still checked, so no file carries junk.
  const coinOptional = coin === undefined && g.consensus === 'pbft';
  if (
    !coinOptional &&
    (typeof coin !== 'object' ||
      coin === null ||
      !Number.isInteger(coin.threshold) ||
      !Array.isArray(coin.verificationKeys) ||
      coin.verificationKeys.length !== g.validators.length ||
      !coin.verificationKeys.every((k) => isHex(k, 32)))
  ) {
    throw bad('coin must hold a threshold and one 32-byte verification key per validator');
  }
  if (g.observers !== undefined) {
    if (!Array.isArray(g.observers) || g.observers.length > 1000) {
      throw bad('observers must be a list of at most 1,000 keys');
    }
    g.observers.forEach((key, i) => {
      if (!isHex(key, 32)) throw bad(`observers[${i}] must be 64 hex characters`);
      checkKey(key, `observers[${i}]`);
      if (seen.has(key)) throw bad(`observers[${i}] repeats a validator's or an observer's key`);
      seen.add(key);
    });
  }
  if (g.market !== undefined) marketConfigFromJson(g.market);
  const grid = g.grid === undefined ? null : parseGrid(g.grid);
  if (g.zones !== undefined) checkZones(g.zones, grid, g.shardId as number);
  creditRulesOf(g.credit, g.sharding?.cycleMs);
  return g as GenesisFile;
}

function checkZones(zones: unknown, grid: Grid | null, shardId: number): void {
  if (grid === null) throw bad('zones need the grid they split');
  if (!Array.isArray(zones)) throw bad('zones must be a list');
  zones.forEach((zone: Partial<Zone> | null, i) => {
    if (
      typeof zone !== 'object' ||
      zone === null ||
      !Number.isInteger(zone.shardId) ||
      typeof zone.name !== 'string' ||
      !Array.isArray(zone.buses) ||
      !zone.buses.every((bus) => Number.isInteger(bus))
    )
      throw bad(`zones[${i}] must hold an integer shardId, a name and a list of integer buses`);
  });
  try {
    ZoneMap.create(zones as Zone[], { buses: grid.buses.map((b) => b.id), branches: grid.branches });
  } catch (error) {
    throw bad(`zones: ${(error as Error).message}`);
  }
  if (shardId >= zones.length) throw bad(`shardId ${shardId} names no zone (there are ${zones.length})`);
}

/** The zone map of the chain's genesis, or null when it declares none (one zone, the whole feeder). */
export function zoneMapOf(genesis: GenesisFile): ZoneMap | null {
  if (genesis.zones === undefined || genesis.grid === undefined) return null;
  const grid = gridFromJson(genesis.grid);
  return ZoneMap.create(genesis.zones, { buses: grid.buses.map((b) => b.id), branches: grid.branches });
}

/**
 * The chain's parameters, block 0's evidence. Its initial state is what the contracts start from:
 * the market's records (when genesis configures a market) and the grid model under
 * `GRID_STATE_KEY` (when it names a grid), which is what turns the market's security check from
 * the configured stand-in into the AC check on that feeder. The grid is stored in its canonical
 * form (`gridToJson` of the parsed model), so how the file was written (field order, defaults
 * left out) never changes the state root.
 */
export function chainParametersOf(genesis: GenesisFile): ChainParameters {
  const entries = [
    committeeGenesisEntry(committeeOf(genesis)),
    ...(genesis.market === undefined ? [] : marketGenesisState(marketConfigFromJson(genesis.market))),
    ...(genesis.grid === undefined ? [] : [gridGenesisEntry(gridToJson(parseGrid(genesis.grid)))]),
    ...(genesis.sharding === undefined
      ? []
      : shardingGenesisState(checkShardingGenesis(genesis.sharding, genesis.shardId), genesis.genesisTimeMs)),
    ...(genesis.handover === undefined ? [] : handoverGenesisState(genesis.handover, genesis.genesisTimeMs)),
  ].sort((a, b) => compareBytes(a.key, b.key));
  const grid = entries.find((e) => compareBytes(e.key, GRID_STATE_KEY) === 0);
  if (grid !== undefined && grid.value.length > MAX_GRID_DOCUMENT_BYTES) {
    throw bad(
      `grid: its document is ${grid.value.length} bytes, more than the ${MAX_GRID_DOCUMENT_BYTES} a state value holds`,
    );
  }
  return {
    chainId: genesis.chainId,
    shardId: genesis.shardId,
    scheme: genesis.scheme,
    genesisTimeMs: genesis.genesisTimeMs,
    ...(entries.length === 0 ? {} : { initialState: entries }),
  };
}

function parseGrid(json: unknown): Grid {
  try {
    return gridFromJson(json);
  } catch (error) {
    throw bad(`grid: ${(error as Error).message}`);
  }
}

export function committeeOf(genesis: Pick<GenesisFile, 'shardId' | 'validators'>): Committee {
  return {
    shardId: genesis.shardId,
    epoch: 0,
    members: genesis.validators.map((v) => ({ index: v.index, publicKey: fromHex(v.publicKey) })),
  };
}

export function observerKeysOf(genesis: GenesisFile): Uint8Array[] {
  return (genesis.observers ?? []).map(fromHex);
}

export function consensusOf(genesis: GenesisFile): ConsensusName {
  return genesis.consensus ?? 'dag';
}

export function coinPublicKeysOf(genesis: GenesisFile): CoinPublicKeys {
  if (genesis.coin === undefined) throw bad('the DAG needs a coin section');
  return { threshold: genesis.coin.threshold, verificationKeys: genesis.coin.verificationKeys.map(fromHex) };
}

export function coinPublicKeysToJson(keys: CoinPublicKeys): GenesisFile['coin'] {
  return { threshold: keys.threshold, verificationKeys: keys.verificationKeys.map(toHex) };
}
