import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { committeeEvents } from '../../src/api/roles-routes.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { decodeSignedTransaction } from '../../src/ledger/signed-transaction.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { ROLES_HANDOVER, signHandoverVote } from '../../src/roles/handover.js';
import { handoverApplication } from '../../src/roles/handover-application.js';

import { committeeChain } from './committee-chain.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('committee events', () => {
  it('tell of each handover once: the new epoch, its members, who joined and who left', () => {
    const keys = Array.from({ length: 5 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`node ${i}`))));
    const committee: Committee = {
      shardId: 0,
      epoch: 0,
      members: keys.slice(0, 4).map((k, index) => ({ index, publicKey: k.publicKey })),
    };
    const { chain, store } = committeeChain(committee, handoverApplication);
    const events = committeeEvents({ store } as never);
    const relay = ed25519Scheme.signer(sha256(enc('relay')));
    let nonce = 0n;
    const vote = (voter: number, epoch: number, members: Uint8Array[]) =>
      decodeSignedTransaction(
        encodeTransaction(
          signTransaction(relay, {
            chainId: 'events',
            shardId: 0,
            type: ROLES_HANDOVER,
            payload: signHandoverVote(
              keys[voter]!.seed,
              'events',
              0,
              voter,
              epoch,
              members,
              members.map(() => 5_000),
            ),
            nonce: nonce++,
          }),
        ),
        ed25519Scheme,
      );
    // Node 3 leaves and node 4 joins in block 3.
    const next = [0, 1, 2, 4].map((i) => keys[i]!.publicKey);
    const blocks = [[], [vote(0, 1, next)], [vote(1, 1, next), vote(2, 1, next)], [], []];
    const seen: unknown[] = [];
    blocks.forEach((transactions, i) => {
      const executed = chain.execute(transactions, { timestampMs: 1000 * (i + 1) });
      const out = events({ header: executed.header } as StoredBlock);
      if (out === '') return;
      assert.match(out, /^event: committee\ndata: /);
      seen.push({ block: executed.header.height, ...JSON.parse(out.split('data: ')[1]!) });
    });
    assert.deepEqual(seen, [
      {
        block: 3,
        epoch: 1,
        members: next.map(toHex),
        joined: [toHex(keys[4]!.publicKey)],
        left: [toHex(keys[3]!.publicKey)],
        height: 3,
        timeMs: 3000,
      },
    ]);
  });
});
