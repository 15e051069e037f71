import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyGenerationEvents } from '../../src/api/roles-routes.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { decodeSignedTransaction, type SignedTransaction } from '../../src/ledger/signed-transaction.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { dkgApplication } from '../../src/roles/dkg-application.js';
import { DKG_OPEN, encodeOpen } from '../../src/roles/dkg-records.js';

import { committeeChain } from './committee-chain.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('key-generation events', () => {
  it('tell of each phase the newest session enters, once, and nothing on other blocks', () => {
    const committee: Committee = {
      shardId: 0,
      epoch: 0,
      members: [0, 1, 2, 3].map((index) => ({
        index,
        publicKey: ed25519KeyPairFromSeed(sha256(enc(`member ${index}`))).publicKey,
      })),
    };
    const { chain, store } = committeeChain(committee, dkgApplication);
    const events = keyGenerationEvents({ store } as never);
    const opener = ed25519Scheme.signer(sha256(enc('operator')));
    const open: SignedTransaction = decodeSignedTransaction(
      encodeTransaction(
        signTransaction(opener, {
          chainId: 'events',
          shardId: 0,
          type: DKG_OPEN,
          payload: encodeOpen({ dealMs: 2000, complainMs: 2000, justifyMs: 2000 }),
          nonce: 0n,
        }),
      ),
      ed25519Scheme,
    );
    const seen: string[] = [];
    let time = 0;
    for (let block = 0; block < 10; block++) {
      time += 1000;
      const executed = chain.execute(block === 1 ? [open] : [], { timestampMs: time });
      const out = events({ header: executed.header } as StoredBlock);
      if (out === '') continue;
      assert.match(out, /^event: key-generation\ndata: /);
      const status = JSON.parse(out.split('data: ')[1]!) as {
        phase: string;
        qualified: unknown;
        failure: unknown;
      };
      seen.push(status.phase);
      if (status.phase === 'closed') {
        assert.equal(status.qualified, null, 'nobody dealt');
        assert.match(String(status.failure), /qualified/);
      }
    }
    assert.deepEqual(seen, ['deal', 'complain', 'justify', 'closed']);
  });
});
