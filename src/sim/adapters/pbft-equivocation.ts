import { batchDigest, type PbftMessage } from '../../consensus/pbft/index.js';
import type { EquivocationMonitor, MessageInfo } from './types.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Honest equivocation in PBFT: a primary's two pre-prepares for one (view, sequence), or one
 * validator's prepares or commits for two different digests of one (view, sequence).
 */
export function pbftEquivocationMonitor(): EquivocationMonitor {
  const signed = new Map<string, string>();
  const claim = (key: string, digest: string, what: string): string | null => {
    const previous = signed.get(key);
    if (previous === undefined) {
      signed.set(key, digest);
      return null;
    }
    return previous === digest ? null : what;
  };
  return {
    observe: () => {},
    signed(identity, raw) {
      const message = raw as PbftMessage;
      if (message.from !== identity) return null;
      switch (message.type) {
        case 'pre-prepare':
          return claim(
            `pp:${message.view}:${message.sequence}`,
            hex(batchDigest(message.proposer, message.transactions)),
            `validator ${identity} pre-prepared two batches for view ${message.view}, sequence ${message.sequence}`,
          );
        case 'prepare':
        case 'commit':
          return claim(
            `${message.type}:${identity}:${message.view}:${message.sequence}`,
            hex(message.digest),
            `validator ${identity} sent ${message.type}s for two digests in view ${message.view}, sequence ${message.sequence}`,
          );
        default:
          return null;
      }
    },
  };
}

export function classifyPbft(message: PbftMessage): MessageInfo | null {
  switch (message.type) {
    case 'pre-prepare':
      return { round: message.sequence, author: message.from, kind: 'proposal', coin: false };
    case 'prepare':
    case 'commit':
      return { round: message.sequence, author: message.from, kind: 'vote', coin: false };
    case 'decided':
      return { round: message.sequence, author: message.from, kind: 'certificate', coin: false };
    case 'view-change':
      return { round: message.newView, author: message.from, kind: 'other', coin: false };
    default:
      return { round: -1, author: message.from, kind: 'other', coin: false };
  }
}
