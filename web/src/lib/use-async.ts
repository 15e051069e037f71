import { useEffect, useState } from 'react';

export type Async<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly value: T }
  | { readonly state: 'failed'; readonly error: Error };

/**
 * Runs `load` whenever `deps` change; a result that arrives after a newer request is dropped.
 * With `keep`, a refresh shows the previous value until the new one arrives (no flicker).
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[], keep = false): Async<T> {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setResult((previous) => (keep && previous.state === 'done' ? previous : { state: 'loading' }));
    load().then(
      (value) => current && setResult({ state: 'done', value }),
      (error: unknown) =>
        current &&
        setResult({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  }, deps);
  return result;
}
