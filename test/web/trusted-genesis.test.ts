import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import { AttestationCollector, encodeCommitProof, signCommitStatement } from '../../src/sharding/index.js';
import { loadFinality } from '../../web/src/lib/finality.js';
import type { HeaderFields } from '../../web/src/lib/header.js';
import { GenesisFileError, parseGenesisFile, sameCommittee } from '../../web/src/lib/trusted-genesis.js';

// Commit proofs checked against a genesis file the reader pinned: the file is read as the node
// writes it and named by the SHA-256 of its bytes; a node that serves another committee, with
// proofs that committee signed, is refused, and the same node is accepted once the reader pins
// that committee's genesis. The node is a stand-in fetch answering the portal's two requests.

const enc = (s: string) => new TextEncoder().encode(s);
const keysOf = (tag: string) =>
  Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`${tag} validator ${i}`))));
const trusted = keysOf('trusted');
const impostor = keysOf('impostor');

function genesisFile(keys: typeof trusted, chainId = 'pinned-chain'): GenesisFile {
  return {
    version: 1,
    chainId,
    shardId: 0,
    scheme: 'ed25519-sha256',
    genesisTimeMs: 1_700_000_000_000,
    validators: keys.map((k, index) => ({
      index,
      publicKey: toHex(k.publicKey),
      address: `/ip4/127.0.0.1/tcp/${7000 + index}`,
      api: `http://127.0.0.1:${8080 + index}`,
    })),
    coin: { threshold: 2, publicKeys: [] } as unknown as GenesisFile['coin'],
  };
}
const bytesOf = (g: unknown) => enc(JSON.stringify(g, null, 2));

const header: BlockHeader = {
  chainId: 'pinned-chain',
  shardId: 0,
  height: 5,
  epoch: 0,
  timestampMs: 1_700_000_005_000,
  previousHash: sha256(enc('block 4')),
  txRoot: sha256(enc('txs 5')),
  txCount: 0,
  receiptsRoot: sha256(enc('receipts 5')),
  stateRoot: sha256(enc('state 5')),
  randomness: sha256(enc('coin 5')),
  evidence: enc('certificate 5'),
};
const shown: HeaderFields = {
  hash: toHex(blockHash(ed25519Scheme, header)),
  chainId: header.chainId,
  shardId: header.shardId,
  height: header.height,
  epoch: header.epoch,
  timestampMs: header.timestampMs,
  previousHash: toHex(header.previousHash),
  txRoot: toHex(header.txRoot),
  txCount: header.txCount,
  receiptsRoot: toHex(header.receiptsRoot),
  stateRoot: toHex(header.stateRoot),
  randomness: toHex(header.randomness),
  evidence: toHex(header.evidence),
};

/** A proof for `header` signed by a quorum of `keys`, built by the node's collector. */
function proofBy(keys: typeof trusted): string {
  const committee: Committee = {
    shardId: 0,
    epoch: 0,
    members: keys.map((k, index) => ({ index, publicKey: k.publicKey })),
  };
  const statement = {
    chainId: header.chainId,
    shardId: 0,
    epoch: 0,
    height: header.height,
    blockHash: blockHash(ed25519Scheme, header),
    stateRoot: header.stateRoot,
  };
  const collector = new AttestationCollector(committee, header.chainId);
  for (let i = 0; i < keys.length; i++) {
    const outcome = collector.add(signCommitStatement(statement, i, (m) => ed25519Sign(keys[i]!.seed, m)));
    if (outcome.kind === 'counted' && outcome.proof !== undefined)
      return toHex(encodeCommitProof(outcome.proof));
  }
  throw new Error('no quorum');
}

/** The portal's fetch answered by a node whose committee is `keys` and whose proofs they signed. */
function serveNode(keys: typeof trusted) {
  globalThis.fetch = (async (input: string | URL) => {
    const path = String(input);
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
    if (path === '/api/v1/network')
      return json({
        shardId: 0,
        validators: keys.map((k, index) => ({ index, publicKey: toHex(k.publicKey) })),
      });
    if (path === `/api/v1/blocks/${header.height}/commit-proof`)
      return json({ height: header.height, proof: proofBy(keys) });
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
}

describe('commit proofs against a pinned genesis', () => {
  const realFetch = globalThis.fetch;
  after(() => {
    globalThis.fetch = realFetch;
  });

  it('reads the committee of a genesis file as the node writes it, named by the hash of its bytes', () => {
    const bytes = bytesOf(genesisFile(trusted));
    const pinned = parseGenesisFile('genesis.json', bytes);
    assert.equal(pinned.sha256, toHex(sha256(bytes)));
    assert.equal(pinned.chainId, 'pinned-chain');
    assert.deepEqual(
      pinned.validators.map((v) => v.publicKey),
      trusted.map((k) => toHex(k.publicKey)),
    );
  });

  it('refuses malformed genesis files with a reason', () => {
    const good = genesisFile(trusted) as unknown as Record<string, unknown>;
    const validators = good.validators as Record<string, unknown>[];
    const cases: [string, Uint8Array][] = [
      ['not JSON', enc('{ nope')],
      ['an array', bytesOf([good])],
      ['version 2', bytesOf({ ...good, version: 2 })],
      ['no chainId', bytesOf({ ...good, chainId: undefined })],
      ['negative shard', bytesOf({ ...good, shardId: -1 })],
      ['no validators', bytesOf({ ...good, validators: [] })],
      ['index out of place', bytesOf({ ...good, validators: [validators[1], validators[0]] })],
      ['short key', bytesOf({ ...good, validators: [{ ...validators[0], publicKey: 'ab' }] })],
      [
        'upper-case key',
        bytesOf({ ...good, validators: [{ ...validators[0], publicKey: 'AB'.repeat(32) }] }),
      ],
    ];
    for (const [what, bytes] of cases)
      assert.throws(() => parseGenesisFile('g.json', bytes), GenesisFileError, what);
  });

  it('refuses a node that serves another committee, and accepts it under that committee’s genesis', async () => {
    const pinned = parseGenesisFile('genesis.json', bytesOf(genesisFile(trusted)));
    serveNode(impostor);
    // Without a pinned genesis the impostor's own keys vouch for its own proof.
    const unpinned = await loadFinality(shown);
    assert.ok(unpinned.state === 'checked' && unpinned.check.ok && unpinned.source === 'node');
    const refused = await loadFinality(shown, pinned);
    assert.ok(refused.state === 'checked');
    assert.equal(refused.source, 'genesis');
    assert.equal(refused.nodeAgrees, false);
    assert.deepEqual(refused.check, { ok: false, reason: 'signature', signer: 0 });

    serveNode(trusted);
    const accepted = await loadFinality(shown, pinned);
    assert.ok(accepted.state === 'checked' && accepted.check.ok);
    assert.equal(accepted.nodeAgrees, true);
    assert.deepEqual(accepted.check.ok && accepted.check.signers, [0, 1, 2]);
  });

  it('refuses a block of another chain than the pinned genesis’s, whatever its proof', async () => {
    const other = parseGenesisFile('other.json', bytesOf(genesisFile(trusted, 'another-chain')));
    serveNode(trusted);
    const answer = await loadFinality(shown, other);
    assert.ok(answer.state === 'checked');
    assert.deepEqual(answer.check, {
      ok: false,
      reason: 'otherGenesis',
      chainId: 'another-chain',
      shardId: 0,
    });
  });

  it('compares the node’s listed committee with the pinned one key by key', () => {
    const pinned = parseGenesisFile('g.json', bytesOf(genesisFile(trusted)));
    const listed = { shardId: 0, validators: pinned.validators.map((v) => ({ ...v })) };
    assert.equal(sameCommittee(pinned, listed), true);
    assert.equal(sameCommittee(pinned, { ...listed, shardId: 1 }), false);
    assert.equal(sameCommittee(pinned, { ...listed, validators: listed.validators.slice(1) }), false);
    const swapped = [...listed.validators];
    swapped[3] = { index: 3, publicKey: toHex(impostor[3]!.publicKey) };
    assert.equal(sameCommittee(pinned, { ...listed, validators: swapped }), false);
  });
});
