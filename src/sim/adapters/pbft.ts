import type { ValidatorInit } from '../../consensus/interface.js';
import { type PbftCore, type PbftMessage, pbftGenesis, pbftProtocol } from '../../consensus/pbft/index.js';
import type { Prng } from '../../kit/prng.js';
import { PbftBrain } from './pbft-brain.js';
import { resign } from './pbft-craft.js';
import { classifyPbft, pbftEquivocationMonitor } from './pbft-equivocation.js';
import { flipBit, type ProtocolAdapter, randomBytes } from './types.js';

const FAR = 1_000_000;

/** The PBFT baseline as the simulator drives it; it has no coin, so a bad-coin validator sends bad signatures. */
export function pbftAdapter(): ProtocolAdapter<PbftMessage> {
  const corrupt = (message: PbftMessage, _init: ValidatorInit, rng: Prng): PbftMessage =>
    ({ ...message, signature: flipBit(message.signature, rng) }) as PbftMessage;
  return {
    name: 'pbft',
    genesis: (n, seed) => pbftGenesis(n, seed),
    create: (init) => pbftProtocol.create(init),
    equivocate(message, init, rng) {
      if (message.type !== 'pre-prepare' || message.from !== init.index) return null;
      return resign({ ...message, transactions: [...message.transactions, randomBytes(rng, 16)] }, init);
    },
    corrupt,
    badCoinInit: () => null,
    farFuture(message, init, rng) {
      const jump = FAR + rng.int(1000);
      switch (message.type) {
        case 'pre-prepare':
        case 'prepare':
        case 'commit':
          return resign(
            { ...message, from: init.index, view: message.view + jump, sequence: message.sequence + jump },
            init,
          );
        case 'checkpoint':
          return resign({ ...message, from: init.index, count: message.count + jump * 100 }, init);
        case 'view-change':
          return resign({ ...message, from: init.index, newView: message.newView + jump }, init);
        default:
          return null;
      }
    },
    reliedOn(honest) {
      let best: PbftCore | null = null;
      for (const core of honest) {
        const replica = core as PbftCore;
        if (best === null || replica.currentView > best.currentView) best = replica;
      }
      return best === null ? null : best.currentPrimary;
    },
    encode: pbftProtocol.encodeMessage,
    decode: pbftProtocol.decodeMessage,
    classify: classifyPbft,
    equivocationMonitor: pbftEquivocationMonitor,
    brain: (context) => new PbftBrain(context),
    progress: (core) => (core as PbftCore).executedCount,
  };
}
