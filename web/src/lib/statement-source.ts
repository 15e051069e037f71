/**
 * Where a cycle's statements come from: settlement writes every statement of the cycle and moves
 * the cycle to `settled` in one block, so the `settled` entry of the cycle's transition log names
 * that block's height and time. The block's hash is taken from its header, and only when the
 * header hashes to it.
 */
import { api } from './api.js';
import { readProven } from './chain-read.js';
import { headerMatchesHash } from './header.js';
import { decodeTransitions, transitionsKey } from './market-state.js';
import type { StatementSource } from './statement-pdf.js';
import type { Block } from './types.js';

/** The settlement block of `cycleId`, or null when the cycle is not settled or the log cannot be read. */
export async function settlementSource(cycleId: string): Promise<StatementSource | null> {
  try {
    const log = await readProven(transitionsKey(cycleId));
    if (log.value === null) return null;
    const settled = decodeTransitions(log.value)
      .filter((t) => t.to === 'settled')
      .at(-1);
    if (settled === undefined) return null;
    const block = await api.get<Block>(`/api/v1/blocks/${settled.height}`).catch(() => null);
    const blockHash =
      block !== null && block.height === settled.height && headerMatchesHash(block) ? block.hash : null;
    return { height: settled.height, blockHash, atMs: settled.atMs };
  } catch {
    // The statement is worth having without its provenance; the PDF then says "not available".
    return null;
  }
}
