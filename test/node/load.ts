import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeKvPut, KV_PUT } from '../../src/ledger/application.js';
import { signTransaction } from '../../src/ledger/transaction.js';
import type { GridShardClient, NodeStatus } from '../../src/sdk/client.js';

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * Meter readings for the multi-process tests: reading k is signed by sender k mod 10 with that
 * sender's next nonce and sent to validator targets[k mod targets.length], 50 at a time. One
 * sender's transactions thus go through different validators; the nonce window keeps them valid.
 */
export function readingSubmitter(clients: readonly GridShardClient[], chainId: string, senderLabel: string) {
  const senders = Array.from({ length: 10 }, (_, i) =>
    ed25519Scheme.signer(sha256(enc(`${senderLabel} ${i}`))),
  );
  return async (from: number, count: number, targets: readonly number[]): Promise<string[]> => {
    const hashes: string[] = [];
    for (let start = 0; start < count; start += 50) {
      const chunk = Array.from({ length: Math.min(50, count - start) }, (_, j) => {
        const k = from + start + j;
        const tx = signTransaction(senders[k % senders.length]!, {
          chainId,
          shardId: 0,
          type: KV_PUT,
          payload: encodeKvPut(enc(`reading ${k}`), enc(`${k * 7} Wh`)),
          nonce: BigInt(Math.floor(k / senders.length)),
        });
        return clients[targets[k % targets.length]!]!.submit(tx);
      });
      hashes.push(...(await Promise.all(chunk)));
    }
    return hashes;
  };
}

/** Waits until the given validators share one head and have empty mempools. */
export async function settled(
  clients: readonly GridShardClient[],
  timeoutMs: number,
  members: readonly number[] = clients.map((_, i) => i),
): Promise<NodeStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(members.map((i) => clients[i]!.status().catch(() => null)));
    const ok = statuses.every(
      (s) => s !== null && s.mempoolSize === 0 && s.headHash === statuses[0]?.headHash,
    );
    if (ok) return statuses as NodeStatus[];
    if (Date.now() > deadline) {
      throw new Error(
        `validators ${members.join(', ')} did not converge: ${JSON.stringify(
          statuses.map((s) => s && [s.height, s.mempoolSize, s.headHash.slice(0, 12)]),
        )}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
