import type { KeyObject } from 'node:crypto';
import { GROUP_ORDER, type GroupOps, group, NOBLE_GROUP, SODIUM_GROUP } from '../consensus/coin/group.js';
import {
  coinName,
  combineCoinShares,
  createCoinShare,
  dealCoinKeys,
  deal as dkgDeal,
  dkgPublicKeys,
  dkgSecretShare,
  verifyCoinShare,
} from '../consensus/coin/index.js';
import { ed25519PublicKeyObject, ed25519VerifyNative } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { ed25519Scheme, type SignatureScheme, sm2Scheme } from '../crypto/scheme.js';
import { dkgOnChainFigures } from './dkg-chain.js';
import { median, round } from './stats.js';

/**
 * The cost of one cryptographic operation of each kind a transaction or a consensus wave pays
 * for: the threshold coin's share create / verify / combine, the ristretto255 operations under
 * them, and the two signature schemes. Each figure is the median over `repeats` batches.
 */
export interface CryptoBenchOptions {
  readonly repeats: number;
  readonly batch: number;
}

const encoder = new TextEncoder();

/** Median microseconds per operation: `run(i)` performs operation i of a batch. */
function microsPerOp(options: CryptoBenchOptions, run: (i: number, repeat: number) => void): number {
  const samples: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const started = performance.now();
    for (let i = 0; i < options.batch; i++) run(i, repeat);
    samples.push(((performance.now() - started) * 1000) / options.batch);
  }
  return round(median(samples), 1);
}

function perSecond(micros: number): number {
  return Math.round(1_000_000 / micros);
}

function scalar(label: string): bigint {
  const bytes = sha256(encoder.encode(label));
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value % GROUP_ORDER || 1n;
}

/** The coin's group operations on one backend (the ones a share create / verify / combine uses). */
function ristrettoFigures(ops: GroupOps, options: CryptoBenchOptions) {
  const scalars = Array.from({ length: options.batch }, (_, i) => scalar(`k ${i}`));
  const other = ops.hashToGroup(encoder.encode('bench point'));
  const second = ops.hashToGroup(encoder.encode('bench point 2'));
  return {
    baseMultUs: microsPerOp(options, (i) => ops.mulBase(scalars[i]!)),
    pointMultUs: microsPerOp(options, (i) => ops.mul(other, scalars[i]!)),
    twoTermPublicUs: microsPerOp(options, (i) =>
      ops.linear([other, second], [scalars[i]!, scalars[options.batch - 1 - i]!]),
    ),
    hashToGroupUs: microsPerOp(options, (i, r) => ops.hashToGroup(encoder.encode(`h ${r} ${i}`))),
    decodeUs: microsPerOp(options, () => ops.decode(other.bytes)),
  };
}

/**
 * A committee of `size` with threshold `threshold`. Every measured operation is on a coin no
 * earlier operation saw, so no memo answers it. `verifyShareUs` uses a fresh key object per batch
 * (keys without window tables, as in a short run); `verifyShareTabledUs` a key that has earned one.
 */
function coinFigures(options: CryptoBenchOptions, size: number, threshold: number) {
  const deal = dealCoinKeys(size, threshold, sha256(encoder.encode(`bench coin ${size}`)));
  const names = (tag: string, r: number) =>
    Array.from({ length: options.batch }, (_, i) => coinName(size, r, i + (tag === 'v' ? 1 << 20 : 0)));
  const sharesOf = (publicKeys: typeof deal.publicKeys, name: Uint8Array) =>
    deal.secretShares.map((secret, index) => ({
      index,
      share: createCoinShare(secret, publicKeys, index, name),
    }));
  const createShareUs = microsPerOp(options, (i, r) => {
    createCoinShare(deal.secretShares[0]!, deal.publicKeys, 0, coinName(size, 1000 + r, i));
  });
  // Prepared outside the timed loops: shares of distinct coins, checked by validator 1's key.
  const prepared = Array.from({ length: options.repeats }, (_, r) =>
    names('v', r).map((name) => ({ name, shares: sharesOf(deal.publicKeys, name) })),
  );
  let coldKeys = { ...deal.publicKeys };
  const verifyShareUs = microsPerOp(options, (i, r) => {
    if (i === 0) coldKeys = { ...deal.publicKeys };
    const { name, shares } = prepared[r]![i]!;
    if (!verifyCoinShare(coldKeys, 1, name, shares[1]!.share)) throw new Error('bench: share refused');
  });
  const warmKeys = { ...deal.publicKeys };
  for (let i = 0; i < 80; i++) {
    const name = coinName(size, 9999, i);
    verifyCoinShare(warmKeys, 1, name, createCoinShare(deal.secretShares[1]!, warmKeys, 1, name));
  }
  const verifyShareTabledUs = microsPerOp(options, (i, r) => {
    const { name, shares } = prepared[r]![i]!;
    if (!verifyCoinShare(warmKeys, 1, name, shares[1]!.share)) throw new Error('bench: share refused');
  });
  const combineKeys = { ...deal.publicKeys };
  const combineUs = microsPerOp(options, (i, r) => {
    const { name, shares } = prepared[r]![i]!;
    combineCoinShares(combineKeys, name, shares.slice(0, threshold));
  });
  return { size, threshold, createShareUs, verifyShareUs, verifyShareTabledUs, combineUs };
}

/**
 * One distributed key generation of the coin (dkg.ts) for a committee of `size`: what one member
 * computes (its dealing, its key share from the n shares it received, all n verification keys from
 * the n dealings) and what crosses the channel, without the sealing of private shares. Milliseconds
 * are medians over `repeats` generations.
 */
function dkgFigures(options: CryptoBenchOptions, size: number, threshold: number) {
  const params = { size, threshold };
  const samples = { deal: [] as number[], secretShare: [] as number[], publicKeys: [] as number[] };
  for (let r = 0; r < options.repeats; r++) {
    const dealt = Array.from({ length: size }, (_, d) => {
      const started = performance.now();
      const out = dkgDeal(params, d, sha256(encoder.encode(`bench dkg ${size} ${r} ${d}`)));
      if (d === 0) samples.deal.push(performance.now() - started);
      return out;
    });
    const dealings = dealt.map((x) => x.dealing);
    const mine = dealt.map((x) => x.shares[0]!);
    let started = performance.now();
    dkgSecretShare(params, 0, dealings, mine);
    samples.secretShare.push(performance.now() - started);
    started = performance.now();
    dkgPublicKeys(params, dealings);
    samples.publicKeys.push(performance.now() - started);
  }
  const dealMs = round(median(samples.deal), 2);
  const secretShareMs = round(median(samples.secretShare), 2);
  const publicKeysMs = round(median(samples.publicKeys), 2);
  return {
    size,
    threshold,
    dealMs,
    secretShareMs,
    publicKeysMs,
    perMemberMs: round(dealMs + secretShareMs + publicKeysMs, 2),
    broadcastMessages: size,
    privateMessages: size * (size - 1),
    channelBytes: size * threshold * 32 + size * (size - 1) * 32,
  };
}

/**
 * Signature rates: one signer over distinct messages (a busy account), and `verifyManyKeys` with
 * a different key for every signature (no per-key work is reused).
 */
function signatureFigures(scheme: SignatureScheme, options: CryptoBenchOptions) {
  const count = options.batch;
  const signers = Array.from({ length: count }, (_, i) =>
    scheme.signer(sha256(encoder.encode(`bench ${scheme.id} ${i}`))),
  );
  const messages = Array.from({ length: count }, (_, i) => sha256(encoder.encode(`message ${i}`)));
  const one = signers[0]!;
  const signed = messages.map((m) => one.sign(m));
  const signedByMany = messages.map((m, i) => signers[i]!.sign(m));
  const signUs = microsPerOp(options, (i) => one.sign(messages[i]!));
  const verifyUs = microsPerOp(options, (i) => {
    if (!scheme.verify(one.publicKey, messages[i]!, signed[i]!)) throw new Error('bench: bad signature');
  });
  const manyUs = microsPerOp(options, (i) => {
    if (!scheme.verify(signers[i]!.publicKey, messages[i]!, signedByMany[i]!))
      throw new Error('bench: bad signature');
  });
  return {
    signPerSec: perSecond(signUs),
    verifyPerSec: perSecond(verifyUs),
    verifyManyKeysPerSec: perSecond(manyUs),
  };
}

/** Ed25519 verified by node:crypto with each key's KeyObject kept, as the scheme did before the engine. */
function nodeCryptoEd25519(): SignatureScheme {
  const keyObjects = new Map<string, KeyObject>();
  return {
    ...ed25519Scheme,
    verify(publicKey, message, signature) {
      const id = Buffer.from(publicKey).toString('latin1');
      let key = keyObjects.get(id);
      if (key === undefined) {
        key = ed25519PublicKeyObject(publicKey);
        keyObjects.set(id, key);
      }
      return ed25519VerifyNative(key, message, signature);
    },
  };
}

export function runCryptoBenchmark(options: CryptoBenchOptions) {
  return {
    benchmark: 'crypto',
    repeats: options.repeats,
    batch: options.batch,
    coinGroup: group.name,
    ristretto255: {
      noble: ristrettoFigures(NOBLE_GROUP, options),
      ...(SODIUM_GROUP === null ? {} : { libsodium: ristrettoFigures(SODIUM_GROUP, options) }),
    },
    coin: [coinFigures(options, 4, 2), coinFigures(options, 7, 3)],
    dkg: [dkgFigures(options, 4, 2), dkgFigures(options, 16, 6)],
    dkgOnChain: [dkgOnChainFigures(options.repeats, 4), dkgOnChainFigures(options.repeats, 16)],
    sm2: signatureFigures(sm2Scheme, options),
    ed25519: signatureFigures(ed25519Scheme, options),
    // The control: the same signatures verified by node:crypto (OpenSSL), as before the engine.
    ed25519NodeCrypto: signatureFigures(nodeCryptoEd25519(), options),
  };
}
