import type { SharedChecks, ValidatorInit } from '../consensus/interface.js';

/**
 * One simulated run's memo of pure checks, shared by all its validators. Every honest validator
 * checks the same header and vote signatures; on separate machines each must, but in one process
 * the answer for the same bytes is the same answer, so it is computed once. The key is the exact
 * bytes of every input (kind, then each part with its length), so a forged or flipped signature,
 * or the same signature under another key or message, is a different key and is checked afresh.
 *
 * Bounded: when the current generation holds `limitChars` characters of keys it becomes the
 * previous one and the older is dropped; an answer found in the previous generation is copied
 * forward. Forgetting only costs a recomputation, never a different answer.
 */
export class CheckMemo implements SharedChecks {
  private current = new Map<string, boolean>();
  private previous = new Map<string, boolean>();
  private currentChars = 0;
  /** Checks actually run (misses), and answers given from the memo (hits). */
  computed = 0;
  reused = 0;

  constructor(private readonly limitChars = 8 * 1024 * 1024) {}

  verified(kind: string, parts: readonly Uint8Array[], check: () => boolean): boolean {
    const key = memoKey(kind, parts);
    let answer = this.current.get(key);
    if (answer === undefined) {
      answer = this.previous.get(key);
      if (answer === undefined) {
        answer = check();
        this.computed++;
      } else {
        this.reused++;
      }
      this.remember(key, answer);
    } else {
      this.reused++;
    }
    return answer;
  }

  private remember(key: string, answer: boolean): void {
    if (this.currentChars + key.length > this.limitChars) {
      this.previous = this.current;
      this.current = new Map();
      this.currentChars = 0;
    }
    this.current.set(key, answer);
    this.currentChars += key.length;
  }
}

function memoKey(kind: string, parts: readonly Uint8Array[]): string {
  let key = kind;
  for (const part of parts) {
    // The length in front of each part keeps two different splits of the same bytes apart.
    key += `\u0000${part.length}\u0000`;
    key += Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('latin1');
  }
  return key;
}

/** The run's validators, each given the same memo (none when sharing is turned off). */
export function withSharedChecks(inits: ValidatorInit[], share: boolean): ValidatorInit[] {
  if (!share) return inits;
  const memo = new CheckMemo();
  return inits.map((init) => ({ ...init, sharedChecks: memo }));
}
