/**
 * The browser's own checks of what a node answers. Each step is reported, and "verified" means
 * every step held: the header re-hashes to the block hash, the transaction bytes hash to the
 * transaction hash, and the Merkle proof leads from that hash to the header's txRoot (or, for
 * state, the proof leads from the value to the header's stateRoot).
 */
import type { HeaderFields } from './header.js';
import { headerMatchesHash } from './header.js';
import { bytesEqual, fromHex } from './hex.js';
import { verifyInclusion } from './merkle.js';
import { sha256 } from './sha256.js';
import { type StateTerminal, verifyStateProof } from './state-proof.js';

export interface TxAnswer {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly bytes: string;
  readonly txRoot: string;
  readonly proof: { readonly leafIndex: number; readonly leafCount: number; readonly siblings: string[] };
}

export interface StateAnswer {
  readonly key: string;
  readonly value: string | null;
  readonly stateRoot: string;
  readonly height: number;
  readonly proof: {
    readonly siblings: string[];
    readonly terminal: { kind: string; path?: string; valueHash?: string };
  };
}

export interface Check {
  readonly headerHash: boolean;
  readonly content: boolean;
  readonly proof: boolean;
  readonly verified: boolean;
}

const safe = (f: () => boolean) => {
  try {
    return f();
  } catch {
    return false;
  }
};

export function checkTransaction(tx: TxAnswer, header: HeaderFields): Check {
  const headerHash = headerMatchesHash(header) && header.height === tx.height;
  const content = safe(() => bytesEqual(sha256(fromHex(tx.bytes)), fromHex(tx.hash)));
  const proof = safe(
    () =>
      tx.proof.leafIndex === tx.index &&
      tx.proof.leafCount === header.txCount &&
      verifyInclusion(
        fromHex(tx.hash),
        { ...tx.proof, siblings: tx.proof.siblings.map((s) => fromHex(s)) },
        fromHex(header.txRoot),
      ),
  );
  return { headerHash, content, proof, verified: headerHash && content && proof };
}

function terminalOf(t: StateAnswer['proof']['terminal']): StateTerminal {
  if (t.kind === 'empty') return { kind: 'empty' };
  if (t.kind === 'leaf' && t.path !== undefined && t.valueHash !== undefined)
    return { kind: 'leaf', path: fromHex(t.path), valueHash: fromHex(t.valueHash) };
  throw new Error('unknown proof terminal');
}

export function checkState(answer: StateAnswer, header: HeaderFields): Check {
  const headerHash =
    headerMatchesHash(header) && header.height === answer.height && header.stateRoot === answer.stateRoot;
  const content = true;
  const proof = safe(() =>
    verifyStateProof(
      fromHex(header.stateRoot),
      fromHex(answer.key),
      answer.value === null ? null : fromHex(answer.value),
      { siblings: answer.proof.siblings.map((s) => fromHex(s)), terminal: terminalOf(answer.proof.terminal) },
    ),
  );
  return { headerHash, content, proof, verified: headerHash && proof };
}
