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
  const key = fromHex(keyHex);
  const value = view.getState(key);
  const proof = view.proveState(key);
  return {
    key: keyHex,
    value: value === undefined ? null : toHex(value),
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
