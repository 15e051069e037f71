import { type DagMessage, headerDigest, headerSigningBytes } from '../consensus/dag/index.js';
import type { Committee } from '../consensus/interface.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import { timeMarker } from '../validator/time-marker.js';
import { NodeError } from './errors.js';

/**
 * Faults a validator can be told to commit, for tests of what the system does about them (credit,
 * suspension): never set on a real network. Read from the environment, so a test harness can set
 * them for one process of a devnet.
 * - `GRIDSHARD_TEST_DELAY_MS`: every consensus message leaves this much later (a slow validator);
 * - `GRIDSHARD_TEST_EQUIVOCATE=1`: some time after each header it broadcasts, the validator sends
 *   every peer a second, different header for the same round, signed (a Byzantine validator).
 */
export interface TestFaults {
  readonly delayMs: number;
  readonly equivocate: boolean;
}

export const NO_TEST_FAULTS: TestFaults = { delayMs: 0, equivocate: false };
/** The second header follows the first by this much: by then the first is certified at the peers. */
export const EQUIVOCATION_DELAY_MS = 1500;

export function testFaultsFromEnv(env: NodeJS.ProcessEnv): TestFaults {
  const delay = env.GRIDSHARD_TEST_DELAY_MS;
  const delayMs = delay === undefined || delay === '' ? 0 : Number(delay);
  if (!Number.isSafeInteger(delayMs) || delayMs < 0 || delayMs > 60_000)
    throw new NodeError(
      'BAD_CONFIG',
      'GRIDSHARD_TEST_DELAY_MS must be a whole number of ms up to 60,000',
      {},
    );
  const equivocate = env.GRIDSHARD_TEST_EQUIVOCATE;
  if (equivocate !== undefined && equivocate !== '' && equivocate !== '0' && equivocate !== '1')
    throw new NodeError('BAD_CONFIG', 'GRIDSHARD_TEST_EQUIVOCATE must be 0 or 1', {});
  return { delayMs, equivocate: equivocate === '1' };
}

/**
 * The conflicting twin of a header this validator signed: one more entry (a time marker, which
 * every validator accepts) and the author's signature over the new digest. Null for any message
 * that is not the validator's own header, or a round it already doubled.
 */
export class Equivocator {
  private readonly doubled = new Set<number>();

  constructor(
    private readonly index: number,
    private readonly committee: Committee,
    private readonly signingSeed: Uint8Array,
  ) {}

  twinOf(message: unknown, nowMs: number): DagMessage | null {
    const m = message as Partial<DagMessage> | null;
    if (m?.type !== 'header') return null;
    const { header } = m as Extract<DagMessage, { type: 'header' }>;
    if (header.author !== this.index || this.doubled.has(header.round)) return null;
    this.doubled.add(header.round);
    if (this.doubled.size > 4096) this.doubled.delete(this.doubled.values().next().value!);
    const twin = { ...header, transactions: [...header.transactions, timeMarker(nowMs)] };
    const signature = ed25519Sign(this.signingSeed, headerSigningBytes(this.committee, headerDigest(twin)));
    return { type: 'header', header: { ...twin, signature } };
  }
}
