import { type DagMessage, digestKey, headerDigest } from '../../consensus/dag/index.js';
import { carriedHeader } from './dag-craft.js';
import type { EquivocationMonitor, MessageInfo } from './types.js';

/**
 * Honest equivocation in the DAG: two different headers signed by one author for one round, or
 * votes by one voter for two different headers of one (author, round) slot.
 */
export function dagEquivocationMonitor(): EquivocationMonitor {
  /** Header digest → its slot `author:round`, learnt from every header in flight. */
  const slotOf = new Map<string, string>();
  /** `h:author:round` or `v:voter:author:round` → the digest signed. */
  const signed = new Map<string, string>();
  const learn = (message: DagMessage): void => {
    const header = carriedHeader(message);
    if (header !== null) slotOf.set(digestKey(headerDigest(header)), `${header.author}:${header.round}`);
  };
  const claim = (key: string, digest: string, what: string): string | null => {
    const previous = signed.get(key);
    if (previous === undefined) {
      signed.set(key, digest);
      return null;
    }
    return previous === digest ? null : `${what} (${previous.slice(0, 8)}… then ${digest.slice(0, 8)}…)`;
  };
  return {
    observe: (message) => learn(message as DagMessage),
    signed(identity, raw) {
      const message = raw as DagMessage;
      learn(message);
      const header = carriedHeader(message);
      if (header !== null) {
        if (header.author !== identity) return null;
        const digest = digestKey(headerDigest(header));
        return claim(
          `h:${identity}:${header.round}`,
          digest,
          `validator ${identity} signed two headers for round ${header.round}`,
        );
      }
      if (message.type === 'vote' && message.vote.voter === identity) {
        const digest = digestKey(message.vote.headerDigest);
        const slot = slotOf.get(digest);
        if (slot === undefined) return null;
        return claim(
          `v:${identity}:${slot}`,
          digest,
          `validator ${identity} voted for two headers of slot ${slot}`,
        );
      }
      return null;
    },
  };
}

export function classifyDag(message: DagMessage): MessageInfo | null {
  switch (message.type) {
    case 'header':
      return {
        round: message.header.round,
        author: message.header.author,
        kind: 'proposal',
        coin: message.header.coinShare !== null,
      };
    case 'certificate': {
      const header = message.certificate.header;
      return {
        round: header.round,
        author: header.author,
        kind: 'certificate',
        coin: header.coinShare !== null,
      };
    }
    case 'vote':
      return { round: -1, author: message.vote.voter, kind: 'vote', coin: false };
    default:
      return null;
  }
}
