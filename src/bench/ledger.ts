import { verify as nativeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519PublicKeyObject } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme, type SignatureScheme, sm2Scheme } from '../crypto/scheme.js';
import { encodeKvPut, KV_PUT, keyValueApplication } from '../ledger/application.js';
import { GENERATED_GENESIS_TIME_MS, generatedSigners } from '../ledger/generate.js';
import { merkleRoot } from '../ledger/merkle.js';
import { SparseMerkleTree } from '../ledger/sparse-merkle.js';
import { LedgerStore, openDatabase } from '../ledger/store.js';
import { signTransaction, type Transaction } from '../ledger/transaction.js';
import { median, medianRate, round } from './stats.js';

const BLOCK_SIZE = 1000;

function signatureRates(scheme: SignatureScheme, count: number) {
  const signer = scheme.signer(sha256(new TextEncoder().encode(`bench ${scheme.id}`)));
  const messages = Array.from({ length: count }, (_, i) => sha256(new TextEncoder().encode(`message ${i}`)));
  const signatures = messages.map((m) => signer.sign(m));
  const signPerSec = medianRate(3, count, () => {
    for (const m of messages) signer.sign(m);
  });
  const verifyPerSec = medianRate(3, count, () => {
    for (let i = 0; i < count; i++)
      if (!scheme.verify(signer.publicKey, messages[i]!, signatures[i]!)) throw new Error('bad');
  });
  return { signer, messages, signatures, signPerSec, verifyPerSec };
}

function kvTransactions(blocks: number): Transaction[][] {
  const signers = generatedSigners('ed25519-sha256', 99, 64);
  const nonces = signers.map(() => 0n);
  return Array.from({ length: blocks }, (_, b) =>
    Array.from({ length: BLOCK_SIZE }, (_, i) => {
      const s = i % signers.length;
      const tx = signTransaction(signers[s]!, {
        chainId: 'bench',
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(
          new TextEncoder().encode(`meter/${b}/${i}`),
          new TextEncoder().encode(`${b * 1000 + i} Wh`),
        ),
        nonce: nonces[s]!,
      });
      nonces[s]! += 1n;
      return tx;
    }),
  );
}

/**
 * The ledger's figures: signature rates of both schemes beside raw node:crypto in the same run,
 * the Merkle root of 10,000 transactions, appending signed 1,000-transaction blocks to LevelDB
 * with fsync (execution, roots, indexes and state included), and authenticated-state updates.
 */
export async function runLedgerBenchmark(options: { blocks: number }) {
  const ed = signatureRates(ed25519Scheme, 5000);
  const keyObject = ed25519PublicKeyObject(ed.signer.publicKey);
  const nativeVerifyPerSec = medianRate(3, 5000, () => {
    for (let i = 0; i < 5000; i++) nativeVerify(null, ed.messages[i]!, keyObject, ed.signatures[i]!);
  });
  const sm = signatureRates(sm2Scheme, 300);

  const hashes = Array.from({ length: 10_000 }, (_, i) => sha256(new TextEncoder().encode(`tx ${i}`)));
  const merkleTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    merkleRoot(sha256, hashes);
    merkleTimes.push(performance.now() - started);
  }

  const dir = mkdtempSync(join(tmpdir(), 'gridshard-bench-'));
  try {
    // Append: blocks of 1,000 pre-signed transactions, each block one fsync'd batch. Signatures are
    // checked on admission to the mempool, as in the node, and measured separately above.
    const blocks = kvTransactions(options.blocks + 2);
    const store = await LedgerStore.create(
      join(dir, 'chain'),
      { chainId: 'bench', shardId: 0, scheme: 'ed25519-sha256', genesisTimeMs: GENERATED_GENESIS_TIME_MS },
      keyValueApplication,
    );
    const appendRates: number[] = [];
    for (const [b, txs] of blocks.entries()) {
      const started = performance.now();
      await store.append(txs, {
        timestampMs: GENERATED_GENESIS_TIME_MS + b * 1000 + 1000,
        verifySignatures: false,
      });
      if (b >= 2) appendRates.push((BLOCK_SIZE * 1000) / (performance.now() - started)); // first two warm up
    }
    await store.close();

    // State updates: 1,000 writes into a tree already holding 100,000 keys, the root, and the
    // batch persisted with fsync: what one block's state costs.
    const tree = new SparseMerkleTree(sha256);
    for (let i = 0; i < 100_000; i++) tree.set(new TextEncoder().encode(`account/${i}`), new Uint8Array(8));
    tree.root();
    const db = openDatabase(join(dir, 'state'), true);
    await db.open();
    const stateRates: number[] = [];
    const inMemoryRates: number[] = [];
    for (let round = 0; round < 10; round++) {
      const started = performance.now();
      const batch = db.batch();
      for (let i = 0; i < BLOCK_SIZE; i++) {
        const key = new TextEncoder().encode(`account/${(round * 7919 + i * 101) % 100_000}`);
        const value = new Uint8Array(8);
        value[0] = round;
        value[1] = i & 0xff;
        tree.set(key, value);
        batch.put(key, value);
      }
      tree.root();
      const inMemoryMs = performance.now() - started;
      await batch.write({ sync: true });
      stateRates.push((BLOCK_SIZE * 1000) / (performance.now() - started));
      inMemoryRates.push((BLOCK_SIZE * 1000) / inMemoryMs);
    }
    await db.close();

    return {
      benchmark: 'ledger',
      signPerSec: { ed25519: Math.round(ed.signPerSec), sm2: Math.round(sm.signPerSec) },
      verifyPerSec: { ed25519: Math.round(ed.verifyPerSec), sm2: Math.round(sm.verifyPerSec) },
      nativeVerifyPerSec: Math.round(nativeVerifyPerSec),
      verifyVsNative: round(ed.verifyPerSec / nativeVerifyPerSec, 3),
      merkleRoot10kMs: round(median(merkleTimes), 2),
      appendTxPerSec: Math.round(median(appendRates)),
      appendBlocks: appendRates.length,
      stateUpdatesPerSec: Math.round(median(stateRates)),
      stateUpdatesInMemoryPerSec: Math.round(median(inMemoryRates)),
      stateTreeKeys: tree.size,
      notes:
        'medians over repeats; append = execute + roots + indexes + one fsync per 1,000-tx block; sm2 uses bigint curve arithmetic',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
