import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CryptoError } from '../../src/crypto/errors.js';
import { toHex } from '../../src/crypto/hash.js';
import { decryptSecretFile } from '../../src/crypto/keystore.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { NodeError } from '../../src/node/errors.js';
import {
  assembleNetwork,
  openCoinShare,
  parseMembers,
  writeAssembledNetwork,
} from '../../src/node/genesis-assemble.js';
import { readGenesisFile } from '../../src/node/genesis-file.js';

const CHEAP = { n: 2 ** 10, r: 8, p: 1 };
const seeds = [1, 2, 3, 4].map((b) => new Uint8Array(32).fill(b));
const members = seeds.map((seed, i) => ({
  publicKey: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
  address: `/ip4/10.0.0.${i + 1}/tcp/7100`,
  api: `http://10.0.0.${i + 1}:8080`,
}));

describe('genesis assembled from validators’ own keys', () => {
  it('each validator opens only its own coin share, which matches its key in the genesis', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-assemble-'));
    try {
      const network = assembleNetwork(parseMembers(members), 'assembled', 1_700_000_000_000);
      writeAssembledNetwork(dir, network);
      const genesis = readGenesisFile(join(dir, 'genesis.json'));
      assert.deepEqual(
        genesis.validators.map((v) => v.publicKey),
        members.map((m) => m.publicKey),
      );
      const config = JSON.parse(readFileSync(join(dir, 'validator-2', 'config.json'), 'utf8'));
      assert.deepEqual(config.listen, ['/ip4/10.0.0.3/tcp/7100']);
      assert.deepEqual(config.api, { host: '10.0.0.3', port: 8080 });
      const sealedOf = (i: number) =>
        JSON.parse(readFileSync(join(dir, `validator-${i}`, 'coin-share.sealed.json'), 'utf8'));
      for (let i = 0; i < 4; i++) {
        const opened = openCoinShare(
          genesis,
          seeds[i]!,
          members[i]!.publicKey,
          sealedOf(i),
          'password',
          CHEAP,
        );
        assert.equal(opened.index, i);
        const share = decryptSecretFile(opened.file, 'coin-share', 'password');
        assert.equal(share.length, 32);
      }
      // Validator 0 cannot open validator 1's share, even claiming to be validator 1.
      assert.throws(
        () => openCoinShare(genesis, seeds[0]!, members[1]!.publicKey, sealedOf(1), 'password', CHEAP),
        (e: unknown) => e instanceof CryptoError && e.code === 'BAD_SEALED_BOX',
      );
      // A box edited in transit does not open.
      const edited = { ...sealedOf(3) };
      edited.ciphertext = `${edited.ciphertext.slice(0, -2)}${edited.ciphertext.endsWith('00') ? '01' : '00'}`;
      assert.throws(
        () => openCoinShare(genesis, seeds[3]!, members[3]!.publicKey, edited, 'password', CHEAP),
        (e: unknown) => e instanceof CryptoError && e.code === 'BAD_SEALED_BOX',
      );
      // A share dealt for another genesis is caught by the verification key check.
      const other = assembleNetwork(parseMembers(members), 'assembled', 1_700_000_000_000);
      assert.throws(
        () =>
          openCoinShare(genesis, seeds[0]!, members[0]!.publicKey, other.sealedShares[0], 'password', CHEAP),
        (e: unknown) => e instanceof NodeError && /verification key/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a members file with a bad or repeated key or address', () => {
    const refused = (value: unknown) =>
      assert.throws(
        () => parseMembers(value),
        (e: unknown) => e instanceof NodeError && e.code === 'BAD_CONFIG',
      );
    refused([]);
    refused({});
    refused([{ ...members[0], publicKey: 'zz' }]);
    refused([members[0], members[0]]);
    refused([{ ...members[0], address: '10.0.0.1:7100' }]);
    refused([{ ...members[0], api: 'ftp://x' }]);
    assert.equal(parseMembers(members).length, 4);
  });
});
