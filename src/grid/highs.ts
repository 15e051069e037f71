import type { Highs } from 'highs';
import { GridError } from './errors.js';

/**
 * HiGHS compiled to WebAssembly loads asynchronously and takes tens of milliseconds to start, so
 * one instance is shared. Its `solve` is synchronous and builds a fresh native solver each call,
 * so sharing it keeps no state between solves.
 */
let instance: Promise<Highs> | null = null;

export function loadHighs(): Promise<Highs> {
  if (instance === null) {
    instance = import('highs')
      .then((module) => {
        // Node loads the ES build, whose default export is the loader; the typings describe the
        // CommonJS build, where it sits one level deeper.
        const exported = module.default as unknown as HighsLoader | { default: HighsLoader };
        const loader = typeof exported === 'function' ? exported : exported.default;
        return loader();
      })
      .catch((error: unknown) => {
        instance = null;
        throw new GridError('SOLVER_FAILED', `cannot load the HiGHS solver: ${(error as Error).message}`);
      });
  }
  return instance;
}

type HighsLoader = () => Promise<Highs>;
