import { fromHex, toHex } from '../crypto/hash.js';
import type { CommittedView } from '../ledger/committed-view.js';

/**
 * Answers that describe the chain read one committed view, taken once per request, so every
 * field of an answer belongs to the same block (see LedgerStore.committed).
 */

/** The head fields of `/api/v1/status`. */
export function headFields(view: CommittedView) {
  return {
    height: view.height,
    headHash: toHex(view.hash),
    stateRoot: toHex(view.stateRoot),
    timestampMs: view.header.timestampMs,
  };
}

/** The answer of `/api/v1/state/:key`: the value and its proof against the root of `height`. */
export function stateAnswer(view: CommittedView, keyHex: string) {
  const value = view.getState(fromHex(keyHex));
  const { proof, ...head } = stateProofAnswer(view, keyHex);
  return { ...head, value: value === undefined ? null : toHex(value), proof };
}

/**
 * The answer of `/api/v1/state/:key/proof`: the proof without the value. A membership proof
 * names the hash of the value, never the value, so it is public even for private keys.
 */
export function stateProofAnswer(view: CommittedView, keyHex: string) {
  const proof = view.proveState(fromHex(keyHex));
  return {
    key: keyHex,
    stateRoot: toHex(view.stateRoot),
    height: view.height,
    proof: {
      siblings: proof.siblings.map(toHex),
      terminal:
        proof.terminal.kind === 'empty'
          ? { kind: 'empty' }
          : {
              kind: 'leaf',
              path: toHex(proof.terminal.path),
              valueHash: toHex(proof.terminal.valueHash),
            },
    },
  };
}
