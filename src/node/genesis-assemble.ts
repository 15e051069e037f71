import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dealCoinKeys, verificationKeyOfShare } from '../consensus/coin/index.js';
import { maxFaulty } from '../consensus/interface.js';
import { fromHex, toHex } from '../crypto/hash.js';
import { encryptSecretFile, type ScryptCost } from '../crypto/keystore.js';
import { openWithEd25519Seed, type SealedBox, sealToEd25519Key } from '../crypto/seal.js';
import { NodeError } from './errors.js';
import { coinPublicKeysToJson, type GenesisFile, type GenesisValidator } from './genesis-file.js';

/**
 * The production key ceremony. Each validator creates its own signing key (`keys create`) and
 * sends only its public key, libp2p address and API address. An assembler builds the genesis from
 * those entries and deals the coin: each share is sealed to its validator's own signing key, so it
 * travels without a shared password and nobody but that validator can open it. The assembler
 * still sees the coin shares while dealing (a trusted dealer for the coin only, never for the
 * signing keys); a distributed key generation removes that trust later (docs/CONSENSUS.md).
 */
export interface MemberEntry {
  readonly publicKey: string;
  readonly address: string;
  readonly api: string;
}

export const COIN_SHARE_SEAL_CONTEXT = 'coin-share';

export interface AssembledNetwork {
  readonly genesis: GenesisFile;
  /** Per validator index, its coin share sealed to its signing key. */
  readonly sealedShares: readonly SealedBox[];
}

function bad(message: string): NodeError {
  return new NodeError('BAD_CONFIG', `members: ${message}`, {});
}

/** Checks the members file: a non-empty list of distinct 32-byte keys with their addresses. */
export function parseMembers(json: unknown): MemberEntry[] {
  if (!Array.isArray(json) || json.length === 0 || json.length > 100) {
    throw bad('expected a list of 1 … 100 entries { publicKey, address, api }');
  }
  const seen = new Set<string>();
  return json.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) throw bad(`entry ${i} is not an object`);
    const { publicKey, address, api } = e;
    if (typeof publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(publicKey)) {
      throw bad(`entry ${i}: publicKey must be 64 lowercase hex characters`);
    }
    if (seen.has(publicKey)) throw bad(`entry ${i}: publicKey ${publicKey} appears twice`);
    seen.add(publicKey);
    if (typeof address !== 'string' || !/^\/ip4\/\d{1,3}(\.\d{1,3}){3}\/tcp\/\d{1,5}$/.test(address)) {
      throw bad(`entry ${i}: address must look like /ip4/10.0.0.1/tcp/7100`);
    }
    if (typeof api !== 'string' || !/^https?:\/\/[^\s/]+(:\d{1,5})?$/.test(api)) {
      throw bad(`entry ${i}: api must look like http://10.0.0.1:8080`);
    }
    return { publicKey, address, api };
  });
}

export function assembleNetwork(
  members: readonly MemberEntry[],
  chainId: string,
  genesisTimeMs: number,
  dealerSeed: Uint8Array = new Uint8Array(randomBytes(32)),
): AssembledNetwork {
  const n = members.length;
  const deal = dealCoinKeys(n, maxFaulty(n) + 1, dealerSeed);
  const validators: GenesisValidator[] = members.map((m, index) => ({ index, ...m }));
  const genesis: GenesisFile = {
    version: 1,
    chainId,
    shardId: 0,
    scheme: 'ed25519-sha256',
    genesisTimeMs,
    validators,
    coin: coinPublicKeysToJson(deal.publicKeys),
  };
  const sealedShares = members.map((m, index) =>
    sealToEd25519Key(fromHex(m.publicKey), deal.secretShares[index]!, COIN_SHARE_SEAL_CONTEXT),
  );
  return { genesis, sealedShares };
}

/** Writes genesis.json and per validator a folder with its config and its sealed coin share. */
export function writeAssembledNetwork(dir: string, network: AssembledNetwork): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'genesis.json'), `${JSON.stringify(network.genesis, null, 2)}\n`);
  network.genesis.validators.forEach((validator, index) => {
    const folder = join(dir, `validator-${index}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'coin-share.sealed.json'), `${JSON.stringify(network.sealedShares[index])}\n`);
    const api = new URL(validator.api);
    const config = {
      genesis: '../genesis.json',
      dataDir: '.',
      validatorIndex: index,
      listen: [validator.address],
      api: { host: api.hostname, port: Number(api.port || 80) },
      keystore: 'keystore.json',
      coinShare: 'coin-share.json',
    };
    writeFileSync(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  });
}

/**
 * A validator opens its sealed share with its own signing seed, checks it against its
 * verification key in the genesis, and keeps it encrypted under its own password.
 */
export function openCoinShare(
  genesis: GenesisFile,
  signingSeed: Uint8Array,
  publicKey: string,
  sealed: unknown,
  password: string,
  scryptCost?: ScryptCost,
): { index: number; file: ReturnType<typeof encryptSecretFile> } {
  const validator = genesis.validators.find((v) => v.publicKey === publicKey);
  if (validator === undefined) {
    throw new NodeError('BAD_CONFIG', `key ${publicKey} is not a validator of ${genesis.chainId}`, {});
  }
  const share = openWithEd25519Seed(signingSeed, sealed, COIN_SHARE_SEAL_CONTEXT);
  const expected = genesis.coin?.verificationKeys[validator.index];
  const actual = toHex(verificationKeyOfShare(share));
  if (actual !== expected) {
    throw new NodeError(
      'BAD_CONFIG',
      `the coin share does not match validator ${validator.index}'s verification key in the genesis`,
      { index: validator.index },
    );
  }
  return {
    index: validator.index,
    file: encryptSecretFile(share, 'coin-share', actual, password, scryptCost),
  };
}
