import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dealCoinKeys } from '../consensus/coin/index.js';
import { maxFaulty } from '../consensus/interface.js';
import { toHex } from '../crypto/hash.js';
import { encryptKeystore, encryptSecretFile, type ScryptCost } from '../crypto/keystore.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { CreditGenesisJson } from '../node/genesis-credit.js';
import {
  type ConsensusName,
  coinPublicKeysToJson,
  type GenesisFile,
  type MarketConfigJson,
  parseGenesis,
} from '../node/genesis-file.js';
import type { ShardingGenesisJson } from '../node/genesis-sharding.js';
import type { Zone } from '../sharding/index.js';

export interface NetworkLayout {
  readonly dir: string;
  readonly chainId: string;
  readonly validators: number;
  readonly host: string;
  /**
   * Per-validator addresses, for validators that each have their own interface (separate hosts,
   * network namespaces); a validator without an entry uses `host`.
   */
  readonly hosts?: readonly string[];
  readonly p2pBasePort: number;
  readonly apiBasePort: number;
  readonly password: string;
  readonly genesisTimeMs: number;
  readonly scryptCost?: ScryptCost;
  /** Written into each config; the file itself is the caller's to create. */
  readonly passwordFile?: string;
  /** The chain's consensus protocol (default the DAG); PBFT validators get no coin share. */
  readonly consensus?: ConsensusName;
  /** The market's genesis configuration, when the chain runs a market. */
  readonly market?: MarketConfigJson;
  /** The grid its security check runs on (grid JSON document). */
  readonly grid?: unknown;
  /** The grid zones the chain is sharded by (needs `grid`). */
  readonly zones?: readonly Zone[];
  /** The committee's signing seeds, when the caller made them (a sharded system lists every key in each genesis). */
  readonly seeds?: readonly Uint8Array[];
  /** The shard this chain is (default 0). */
  readonly shardId?: number;
  /** The sharded system the chain belongs to. */
  readonly sharding?: ShardingGenesisJson;
  /** How validators are scored (weights, carry, cycle length); defaults when absent. */
  readonly credit?: CreditGenesisJson;
  /**
   * The committee is re-elected every cycle: its cycle and key phases, and how many standby
   * nodes follow the chain (folders `validator-<n>` … after the validators', with no coin share).
   */
  readonly handover?: { readonly cycleMs: number; readonly keyPhaseMs: number; readonly standby: number };
}

/**
 * Creates a whole network's files in one directory: genesis.json, and per validator a folder with
 * its config, its encrypted signing key and (DAG only) its encrypted coin-key share. Keys come
 * from the OS's random source and the coin key is dealt once, here; on separate hosts each folder
 * is copied to its own machine (docs/OPERATIONS.md).
 */
export function createNetworkFiles(layout: NetworkLayout): GenesisFile {
  const n = layout.validators;
  const total = n + (layout.handover?.standby ?? 0);
  const seeds = layout.seeds ?? Array.from({ length: total }, () => new Uint8Array(randomBytes(32)));
  const consensus = layout.consensus ?? 'dag';
  const deal =
    consensus === 'dag' ? dealCoinKeys(n, maxFaulty(n) + 1, new Uint8Array(randomBytes(32))) : null;
  const hostOf = (index: number) => layout.hosts?.[index] ?? layout.host;
  const nodes = seeds.slice(0, total).map((seed, index) => ({
    index,
    publicKey: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
    address: `/ip4/${hostOf(index)}/tcp/${layout.p2pBasePort + index}`,
    api: `http://${hostOf(index)}:${layout.apiBasePort + index}`,
  }));
  const genesis: GenesisFile = {
    version: 1,
    consensus,
    chainId: layout.chainId,
    shardId: layout.shardId ?? 0,
    scheme: 'ed25519-sha256',
    genesisTimeMs: layout.genesisTimeMs,
    validators: nodes.slice(0, n),
    ...(deal === null ? {} : { coin: coinPublicKeysToJson(deal.publicKeys) }),
    ...(layout.market === undefined ? {} : { market: layout.market }),
    ...(layout.grid === undefined ? {} : { grid: layout.grid }),
    ...(layout.zones === undefined ? {} : { zones: layout.zones }),
    ...(layout.sharding === undefined ? {} : { sharding: layout.sharding }),
    ...(layout.credit === undefined ? {} : { credit: layout.credit }),
    ...(layout.handover === undefined
      ? {}
      : {
          handover: {
            cycleMs: layout.handover.cycleMs,
            keyPhaseMs: layout.handover.keyPhaseMs,
            standby: nodes.slice(n),
          },
        }),
  };
  // Checked as a node will read it, before anything is written: a bad market or grid is a typed
  // BAD_GENESIS here, not a folder of files no node can start from.
  parseGenesis(genesis);
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(join(layout.dir, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`);
  seeds.slice(0, total).forEach((seed, index) => {
    const folder = join(layout.dir, `validator-${index}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'keystore.json'),
      JSON.stringify(encryptKeystore(seed, 'ed25519-sha256', layout.password, layout.scryptCost)),
      { mode: 0o600 },
    );
    // A standby node holds no share of the genesis coin: its keys come from key generation.
    const dealt = deal !== null && index < n;
    if (dealt) {
      writeFileSync(
        join(folder, 'coin-share.json'),
        JSON.stringify(
          encryptSecretFile(
            deal.secretShares[index]!,
            'coin-share',
            toHex(deal.publicKeys.verificationKeys[index]!),
            layout.password,
            layout.scryptCost,
          ),
        ),
        { mode: 0o600 },
      );
    }
    writeFileSync(
      join(folder, 'config.json'),
      `${JSON.stringify(
        {
          genesis: '../genesis.json',
          dataDir: '.',
          validatorIndex: index,
          listen: [`/ip4/${hostOf(index)}/tcp/${layout.p2pBasePort + index}`],
          api: { host: hostOf(index), port: layout.apiBasePort + index },
          keystore: 'keystore.json',
          ...(dealt ? { coinShare: 'coin-share.json' } : {}),
          ...(layout.passwordFile === undefined ? {} : { passwordFile: layout.passwordFile }),
        },
        null,
        2,
      )}\n`,
    );
  });
  return genesis;
}
