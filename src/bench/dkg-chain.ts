import type { Committee } from '../consensus/interface.js';
import { ed25519KeyPairFromSeed } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { genesisChain } from '../ledger/chain-state.js';
import { decodeSignedTransaction, type SignedTransaction } from '../ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';
import { committeeGenesisEntry } from '../roles/committee-state.js';
import { dkgApplication } from '../roles/dkg-application.js';
import {
  complaintPayloads,
  type DkgMemberKey,
  dealingPayload,
  memberSecretShare,
} from '../roles/dkg-member.js';
import { dkgOutcome } from '../roles/dkg-outcome.js';
import { currentDkgSession, DKG_DEAL, DKG_OPEN, encodeOpen } from '../roles/dkg-records.js';
import { median, round } from './stats.js';

const encoder = new TextEncoder();

/**
 * One key-generation session on a chain (src/roles/dkg-application.ts) for a committee of `size`
 * (threshold f + 1) with every member honest: the open transaction and one dealing per member,
 * executed as blocks of an in-memory chain, then what each member computes from the state. No network: what it adds is
 * the blocks' time, three phases of a few blocks each. Milliseconds are medians over `repeats`
 * sessions; the member figures are member 0's.
 */
export function dkgOnChainFigures(repeats: number, size: number) {
  const samples = {
    dealPayload: [] as number[],
    executeDeals: [] as number[],
    complaintScan: [] as number[],
    outcome: [] as number[],
    secretShare: [] as number[],
  };
  let dealBytes = 0;
  let threshold = 0;
  for (let r = 0; r < repeats; r++) {
    const chainId = 'bench-dkg';
    const seeds = Array.from({ length: size }, (_, i) =>
      sha256(encoder.encode(`bench dkg member ${r} ${i}`)),
    );
    const committee: Committee = {
      shardId: 0,
      epoch: 0,
      members: seeds.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
    };
    const chain = genesisChain(
      {
        chainId,
        shardId: 0,
        scheme: 'ed25519-sha256',
        genesisTimeMs: 0,
        initialState: [committeeGenesisEntry(committee)],
      },
      dkgApplication,
    );
    const relay = ed25519Scheme.signer(sha256(encoder.encode(`bench dkg relay ${r}`)));
    let nonce = 0n;
    const tx = (type: string, payload: Uint8Array): SignedTransaction =>
      decodeSignedTransaction(
        encodeTransaction(signTransaction(relay, { chainId, shardId: 0, type, payload, nonce: nonce++ })),
        ed25519Scheme,
      );
    let time = 0;
    const block = (transactions: SignedTransaction[], stepMs = 1000) =>
      chain.execute(transactions, { timestampMs: (time += stepMs) });
    block([tx(DKG_OPEN, encodeOpen({ dealMs: 2000, complainMs: 2000, justifyMs: 2000 }))]);
    const view = () => {
      const v = chain.view();
      return { get: (key: Uint8Array) => v.getState(key) };
    };
    const session = currentDkgSession(view())!;
    threshold = session.threshold;
    const keys: DkgMemberKey[] = seeds.map((seed, member) => ({ chainId, member, seed }));
    const payloads = keys.map((key, i) => {
      const started = performance.now();
      const payload = dealingPayload(key, session, sha256(encoder.encode(`bench dkg entropy ${r} ${i}`)));
      if (i === 0) samples.dealPayload.push(performance.now() - started);
      return payload;
    });
    dealBytes = payloads[0]!.length;
    const deals = payloads.map((payload) => tx(DKG_DEAL, payload));
    let started = performance.now();
    const dealt = block(deals);
    samples.executeDeals.push(performance.now() - started);
    if (dealt.receipts.some((receipt) => !receipt.ok)) throw new Error('bench: a dealing was refused');
    block([], 2000);
    started = performance.now();
    if (complaintPayloads(view(), session.id, keys[0]!).length !== 0)
      throw new Error('bench: honest share refused');
    samples.complaintScan.push(performance.now() - started);
    block([], 4000);
    started = performance.now();
    dkgOutcome(view(), session.id);
    samples.outcome.push(performance.now() - started);
    started = performance.now();
    memberSecretShare(view(), session.id, keys[0]!);
    samples.secretShare.push(performance.now() - started);
  }
  const ms = (values: number[]) => round(median(values), 2);
  return {
    size,
    threshold,
    dealPayloadMs: ms(samples.dealPayload),
    dealPayloadBytes: dealBytes,
    executeAllDealsMs: ms(samples.executeDeals),
    complaintScanMs: ms(samples.complaintScan),
    outcomeMs: ms(samples.outcome),
    secretShareMs: ms(samples.secretShare),
    transactions: 1 + size,
  };
}
