import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { genesisChain } from '../ledger/chain-state.js';
import { decodeSignedTransaction, type SignedTransaction } from '../ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';
import {
  DKG_DEAL,
  DKG_OPEN,
  dkgApplication,
  dkgOutcome,
  encodeOpen,
  readDkgSession,
} from '../roles/dkg-application.js';
import { complaintPayloads, dealingPayload, memberSecretShare } from '../roles/dkg-member.js';
import { median, round } from './stats.js';

const encoder = new TextEncoder();

/**
 * One key-generation session on a chain (src/roles/dkg-application.ts) for a committee of `size`
 * with every member honest: the open transaction and one dealing per member, executed as blocks of
 * an in-memory chain, then what each member computes from the state. No network: what it adds is
 * the blocks' time, three phases of a few blocks each. Milliseconds are medians over `repeats`
 * sessions; the member figures are member 0's.
 */
export function dkgOnChainFigures(repeats: number, size: number, threshold: number) {
  const samples = {
    dealPayload: [] as number[],
    executeDeals: [] as number[],
    complaintScan: [] as number[],
    outcome: [] as number[],
    secretShare: [] as number[],
  };
  let dealBytes = 0;
  for (let r = 0; r < repeats; r++) {
    const chainId = 'bench-dkg';
    const chain = genesisChain(
      { chainId, shardId: 0, scheme: 'ed25519-sha256', genesisTimeMs: 0 },
      dkgApplication,
    );
    const seeds = Array.from({ length: size }, (_, i) =>
      sha256(encoder.encode(`bench dkg member ${r} ${i}`)),
    );
    const signers = seeds.map((seed) => ed25519Scheme.signer(seed));
    const tx = (i: number, type: string, payload: Uint8Array, nonce: bigint): SignedTransaction =>
      decodeSignedTransaction(
        encodeTransaction(signTransaction(signers[i]!, { chainId, shardId: 0, type, payload, nonce })),
        ed25519Scheme,
      );
    let time = 0;
    const block = (transactions: SignedTransaction[]) =>
      chain.execute(transactions, { timestampMs: (time += 1000) });
    const opened = block([
      tx(
        0,
        DKG_OPEN,
        encodeOpen({
          threshold,
          dealUntil: 3,
          complainUntil: 5,
          justifyUntil: 7,
          members: signers.map((s) => ({ sender: s.publicKey, sealingKey: s.publicKey })),
        }),
        0n,
      ),
    ]);
    const id = opened.txHashes[0]!;
    const view = () => {
      const v = chain.view();
      return { get: (key: Uint8Array) => v.getState(key) };
    };
    const session = readDkgSession(view(), id)!;
    const payloads = signers.map((_, i) => {
      const started = performance.now();
      const payload = dealingPayload(session, i, sha256(encoder.encode(`bench dkg entropy ${r} ${i}`)));
      if (i === 0) samples.dealPayload.push(performance.now() - started);
      return payload;
    });
    dealBytes = payloads[0]!.length;
    const deals = payloads.map((payload, i) => tx(i, DKG_DEAL, payload, i === 0 ? 1n : 0n));
    let started = performance.now();
    const dealt = block(deals);
    samples.executeDeals.push(performance.now() - started);
    if (dealt.receipts.some((receipt) => !receipt.ok)) throw new Error('bench: a dealing was refused');
    while (chain.view().height < 7) block([]);
    started = performance.now();
    if (complaintPayloads(view(), id, 0, seeds[0]!).length !== 0)
      throw new Error('bench: honest share refused');
    samples.complaintScan.push(performance.now() - started);
    started = performance.now();
    dkgOutcome(view(), id, 7);
    samples.outcome.push(performance.now() - started);
    started = performance.now();
    memberSecretShare(view(), id, 0, seeds[0]!, 7);
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
