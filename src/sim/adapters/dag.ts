import { COIN_SHARE_LENGTH, dealCoinKeys } from '../../consensus/coin/index.js';
import {
  type Certificate,
  DagCore,
  type DagMessage,
  type DagValidatorInit,
  dagGenesis,
  dagProtocol,
  type Header,
  headerDigest,
  headerSigningBytes,
} from '../../consensus/dag/index.js';
import type { ValidatorInit } from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import { DagBrain } from './dag-brain.js';
import { classifyDag, dagEquivocationMonitor } from './dag-equivocation.js';
import { signWithSeed } from './seed-signer.js';
import { flipBit, type ProtocolAdapter, randomBytes } from './types.js';

function resign(header: Omit<Header, 'signature'>, init: ValidatorInit): Header {
  const unsigned: Header = { ...header, signature: new Uint8Array(64) };
  const digest = headerDigest(unsigned);
  return { ...header, signature: signWithSeed(init.signingSeed, headerSigningBytes(init.committee, digest)) };
}

function forgedCertificate(header: Header, init: ValidatorInit, rng: Prng): Certificate {
  const votes = init.committee.members.map((m) => ({ voter: m.index, signature: randomBytes(rng, 64) }));
  return { header, votes };
}

/** The DAG protocol as the simulator drives it, with the forgeries a Byzantine author can make. */
export function dagAdapter(config?: DagValidatorInit['config']): ProtocolAdapter<DagMessage> {
  return {
    name: 'dag',
    genesis: (n, seed) => dagGenesis(n, seed, config === undefined ? {} : { config }),
    create: (init) => dagProtocol.create(init as DagValidatorInit),
    equivocate(message, init, rng) {
      if (message.type !== 'header' || message.header.author !== init.index) return null;
      const junk = randomBytes(rng, 16);
      return {
        type: 'header',
        header: resign({ ...message.header, transactions: [...message.header.transactions, junk] }, init),
      };
    },
    corrupt(message, init, rng) {
      switch (message.type) {
        case 'header':
          return {
            type: 'header',
            header: { ...message.header, signature: flipBit(message.header.signature, rng) },
          };
        case 'vote':
          return { type: 'vote', vote: { ...message.vote, signature: flipBit(message.vote.signature, rng) } };
        case 'certificate': {
          // A certificate for a header that never got votes: the author's signature is real.
          const header = resign({ ...message.certificate.header, transactions: [randomBytes(rng, 8)] }, init);
          return { type: 'certificate', certificate: forgedCertificate(header, init, rng) };
        }
        default:
          return null;
      }
    },
    badCoinInit(init, rng) {
      // A share of a different dealing: well-formed, proved, and wrong against the real keys.
      const wrong = dealCoinKeys(
        init.committee.members.length,
        (init as DagValidatorInit).coinPublicKeys.threshold,
        randomBytes(rng, 32),
      );
      return {
        ...(init as DagValidatorInit),
        coinSecretShare: wrong.secretShares[init.index]!,
      } as ValidatorInit;
    },
    farFuture(message, init, rng) {
      if (message.type !== 'header' && message.type !== 'certificate') return null;
      const base = message.type === 'header' ? message.header : message.certificate.header;
      const round = base.round + 1_000_000 + rng.int(1000);
      const header = resign(
        {
          ...base,
          author: init.index,
          round,
          coinShare: round % 2 === 1 ? randomBytes(rng, COIN_SHARE_LENGTH) : null,
        },
        init,
      );
      return rng.chance(0.5)
        ? { type: 'header', header }
        : { type: 'certificate', certificate: forgedCertificate(header, init, rng) };
    },
    reliedOn(honest) {
      // The coin elects each leader after the fact: the best an adversary can do is go after the
      // leader it has just seen elected.
      for (const core of honest) {
        if (core instanceof DagCore) {
          const leader = core.lastCommittedLeader();
          if (leader !== null) return leader;
        }
      }
      return null;
    },
    encode: dagProtocol.encodeMessage,
    decode: dagProtocol.decodeMessage,
    classify: classifyDag,
    equivocationMonitor: dagEquivocationMonitor,
    brain: (context) => new DagBrain(context),
    progress: (core) => (core instanceof DagCore ? core.stats().committedWave : 0),
  };
}
