import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction, type SignedTransaction } from '../../src/ledger/signed-transaction.js';
import { decodeTransaction, encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { DkgParticipant } from '../../src/node/dkg-participant.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import { dkgApplication } from '../../src/roles/dkg-application.js';
import { dkgOutcome } from '../../src/roles/dkg-outcome.js';
import {
  currentDkgSession,
  DKG_DEAL,
  DKG_OPEN,
  DkgPhase,
  encodeOpen,
  encodeStep,
  hasComplained,
  readJustification,
  SEALED_SHARE_LENGTH,
  stepSigningBytes,
} from '../../src/roles/dkg-records.js';

const CHAIN = 'dkg-node-test';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = Array.from({ length: 4 }, (_, i) => sha256(enc(`validator ${i}`)));
const committee: Committee = {
  shardId: 0,
  epoch: 0,
  members: seeds.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
};
const dir = mkdtempSync(join(tmpdir(), 'dkg-participant-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Dealer 1's dealing with recipient 2's sealed share swapped for another slot's, signed again by dealer 1. */
function badShareFor2(payload: Uint8Array): Uint8Array {
  const out = payload.slice();
  const boxesEnd = payload.length - 64;
  const boxesAt = boxesEnd - 4 * SEALED_SHARE_LENGTH;
  out.copyWithin(boxesAt + 2 * SEALED_SHARE_LENGTH, boxesAt, boxesAt + SEALED_SHARE_LENGTH);
  const id = out.subarray(0, 32);
  const body = out.subarray(38, boxesEnd);
  return encodeStep(id, 1, body, ed25519Sign(seeds[1]!, stepSigningBytes(CHAIN, 0, DKG_DEAL, id, 1, body)));
}

describe('a validator taking part in key generation', () => {
  it('deals, complains, answers after a restart from its kept entropy, and ends with a matching share', () => {
    const chain = genesisChain(
      {
        chainId: CHAIN,
        shardId: 0,
        scheme: 'ed25519-sha256',
        genesisTimeMs: 0,
        initialState: [committeeGenesisEntry(committee)],
      },
      dkgApplication,
    );
    let pending: SignedTransaction[] = [];
    let now = 0;
    const state = () => {
      const view = chain.view();
      return { get: (key: Uint8Array) => view.getState(key) };
    };
    const warnings: string[] = [];
    const participant = (index: number) =>
      new DkgParticipant({
        chainId: CHAIN,
        shardId: 0,
        signingSeed: seeds[index]!,
        dataDir: join(dir, `validator-${index}`),
        state,
        submit: (bytes) => {
          const tx = decodeTransaction(bytes, ed25519Scheme);
          if (index === 1 && tx.type === DKG_DEAL) {
            // Validator 1's node hands validator 2 a bad share (its dealing is otherwise its own).
            const relay = ed25519Scheme.signer(sha256(enc('gridshard/dkg-relay/v1'), seeds[index]!));
            const { chainId, shardId, type, nonce } = tx;
            const edited = signTransaction(relay, {
              chainId,
              shardId,
              type,
              nonce,
              payload: badShareFor2(tx.payload),
            });
            bytes = encodeTransaction(edited);
          }
          pending.push(decodeSignedTransaction(bytes, ed25519Scheme));
        },
        now: () => now,
        log: { info() {}, warn: (_fields, message) => warnings.push(message) },
      });
    const participants = [0, 1, 2, 3].map(participant);
    const opener = ed25519Scheme.signer(sha256(enc('operator')));
    const open = signTransaction(opener, {
      chainId: CHAIN,
      shardId: 0,
      type: DKG_OPEN,
      payload: encodeOpen({ dealMs: 3000, complainMs: 3000, justifyMs: 3000 }),
      nonce: 0n,
    });
    pending.push(decodeSignedTransaction(encodeTransaction(open), ed25519Scheme));
    const refusals: string[] = [];
    for (let block = 0; block < 14; block++) {
      now += 1000;
      const executed = chain.execute(pending, { timestampMs: now });
      for (const receipt of executed.receipts) if (!receipt.ok) refusals.push(receipt.code);
      pending = [];
      const session = currentDkgSession(state())!;
      // Validator 1 restarts during the complaint phase: only its entropy file carries over.
      if (session.phase === DkgPhase.complain && block === 4) participants[1] = participant(1);
      for (const p of participants) p.check();
    }
    const session = currentDkgSession(state())!;
    assert.equal(session.phase, DkgPhase.closed);
    assert.deepEqual(refusals, [], 'every step each validator sent was accepted');
    assert.ok(hasComplained(state(), session.id, 1, 2), 'validator 2 complained about its bad share');
    assert.ok(readJustification(state(), session.id, 1, 2) !== undefined, 'validator 1 answered it');
    const outcome = dkgOutcome(state(), session.id);
    assert.deepEqual(
      outcome.qualified,
      [0, 1, 2, 3],
      'dealer 1 answered the complaint from its kept entropy',
    );
    for (const p of participants) {
      assert.equal(p.result?.shareMatches, true);
      assert.deepEqual(p.result?.qualified, [0, 1, 2, 3]);
    }
    assert.deepEqual(warnings, []);
    for (let i = 0; i < 4; i++) {
      const kept = join(dir, `validator-${i}`, 'dkg');
      assert.ok(
        existsSync(kept) && readdirSync(kept).length === 0,
        'the entropy is deleted once the session closed',
      );
    }
  });
});
