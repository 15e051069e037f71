import { fromHex, toHex } from '../crypto/hash.js';
import type { StoredBlock } from '../ledger/store.js';
import { readCommittee } from '../roles/committee-state.js';
import { ROUTES } from '../routes/index.js';
import { decodeCommitProof } from '../sharding/index.js';
import { headFields, stateAnswer, stateProofAnswer } from './committed-reads.js';
import type { ApiNode } from './interface.js';
import { commitLatencyFigures } from './latency-figures.js';
import { type PrivateReadGate, visibilityOf } from './privacy.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';

export function blockJson(block: StoredBlock) {
  const h = block.header;
  return {
    height: h.height,
    hash: toHex(block.hash),
    chainId: h.chainId,
    shardId: h.shardId,
    epoch: h.epoch,
    timestampMs: h.timestampMs,
    previousHash: toHex(h.previousHash),
    txRoot: toHex(h.txRoot),
    txCount: h.txCount,
    receiptsRoot: toHex(h.receiptsRoot),
    stateRoot: toHex(h.stateRoot),
    randomness: toHex(h.randomness),
    evidence: toHex(h.evidence),
    transactions: block.txHashes.map((hash, i) => ({
      hash: toHex(hash),
      ok: block.receipts[i]?.ok ?? false,
      code: block.receipts[i]?.code ?? '',
    })),
  };
}

/** The SSE `block` event: header fields and the hashes of the block's transactions. */
export function blockEvent(block: StoredBlock): string {
  const { transactions, ...summary } = blockJson(block);
  const event = { ...summary, transactionHashes: transactions.map((t) => t.hash) };
  return `event: block\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Node status and the chain itself: blocks, transactions and state, each with its proof. */
export function registerChainRoutes(server: RouteServer, node: ApiNode, gate: PrivateReadGate): void {
  server.serve(ROUTES.health, async () => ({
    status: 'ok',
    height: node.store.head.height,
    peers: node.peers().length,
    validators: node.genesis.validators.length,
  }));

  server.serve(ROUTES.status, async () => ({
    chainId: node.genesis.chainId,
    shardId: node.genesis.shardId,
    validatorIndex: node.index,
    ...headFields(node.store.committed),
    // The committee's epoch after the head: a node left behind at a boundary learns from its peers
    // that the chain moved on (epoch-follower.ts).
    epoch: readCommittee({ get: (key) => node.store.getState(key) })?.epoch ?? 0,
    consensusSequence: node.lastAppliedSequence,
    mempoolSize: node.mempool.size,
    peers: node.peers(),
    commitLatency: await commitLatencyFigures(node.metrics.commitLatency),
  }));

  server.serve(ROUTES.network, async () => {
    const connected = new Set(node.peers());
    return {
      shardId: node.genesis.shardId,
      validators: node.genesis.validators.map((v) => ({
        ...v,
        role: 'verification',
        connected: v.index === node.index || connected.has(v.index),
      })),
    };
  });

  server.serve(ROUTES.block, async (request, reply) => {
    const height = Number(request.params.height);
    const block = await node.store.readBlock(height);
    if (block === undefined) return sendProblem(reply, 404, `no block at height ${height}`, 'NOT_FOUND');
    return blockJson(block);
  });

  server.serve(ROUTES.blockTransactions, async (request, reply) => {
    const height = Number(request.params.height);
    const block = await node.store.readBlock(height);
    if (block === undefined) return sendProblem(reply, 404, `no block at height ${height}`, 'NOT_FOUND');
    const transactions: string[] = [];
    for (const hash of block.txHashes) {
      const located = await node.store.readTransaction(hash);
      if (located === undefined)
        return sendProblem(reply, 404, `transaction ${toHex(hash)} missing`, 'NOT_FOUND');
      transactions.push(toHex(located.bytes));
    }
    const proofs = await node.store.readBatchProofs(height);
    return {
      height,
      hash: toHex(block.hash),
      transactions,
      ...(proofs === undefined ? {} : { batchProofs: toHex(proofs) }),
    };
  });

  server.serve(ROUTES.zones, async () => ({
    shardId: node.genesis.shardId,
    zones: (node.genesis.zones ?? []).map((z) => ({ shardId: z.shardId, name: z.name, buses: [...z.buses] })),
  }));

  server.serve(ROUTES.commitProof, async (request, reply) => {
    const height = Number(request.params.height);
    const bytes = await node.store.readCommitProof(height);
    if (bytes === undefined)
      return sendProblem(reply, 404, `no commit proof for block ${height} at this node yet`, 'NOT_FOUND');
    const proof = decodeCommitProof(bytes);
    return {
      height,
      shardId: proof.statement.shardId,
      epoch: proof.statement.epoch,
      blockHash: toHex(proof.statement.blockHash),
      stateRoot: toHex(proof.statement.stateRoot),
      signers: proof.signatures.map((s) => s.signer),
      proof: toHex(bytes),
    };
  });

  server.serve(ROUTES.blockByHash, async (request, reply) => {
    const block = await node.store.readBlockByHash(fromHex(request.params.hash));
    if (block === undefined) return sendProblem(reply, 404, `no block ${request.params.hash}`, 'NOT_FOUND');
    return blockJson(block);
  });

  server.serve(ROUTES.transaction, async (request, reply) => {
    const hash = fromHex(request.params.hash);
    const located = await node.store.readTransaction(hash);
    const proven = await node.store.proveTransaction(hash);
    if (located === undefined || proven === undefined) {
      return sendProblem(reply, 404, `no committed transaction ${request.params.hash}`, 'NOT_FOUND');
    }
    const receipt = proven.block.receipts[located.index];
    return {
      hash: request.params.hash,
      height: located.height,
      index: located.index,
      bytes: toHex(located.bytes),
      ok: receipt?.ok ?? false,
      code: receipt?.code ?? '',
      txRoot: toHex(proven.block.header.txRoot),
      proof: {
        leafIndex: proven.proof.leafIndex,
        leafCount: proven.proof.leafCount,
        siblings: proven.proof.siblings.map(toHex),
      },
    };
  });

  server.serve(ROUTES.state, async (request, reply) => {
    // One view for the decision and the answer, so both concern the same block.
    const view = node.store.committed;
    const visibility = visibilityOf(fromHex(request.params.key), view.getState(fromHex(request.params.key)));
    if (visibility.kind === 'private') {
      const denied = gate.check(request.headers.authorization, visibility.readers);
      if (denied !== null) return sendProblem(reply, denied.status, denied.detail, denied.code);
    }
    return stateAnswer(view, request.params.key);
  });

  server.serve(ROUTES.stateProof, async (request) =>
    stateProofAnswer(node.store.committed, request.params.key),
  );
}
