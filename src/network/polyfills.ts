/**
 * js-libp2p 3 calls Promise.withResolvers (standard since ES2024, in Node from 22). Node 20 lacks
 * it; this adds the standard behaviour, nothing more, before libp2p is loaded.
 */
interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const PromiseConstructor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> };
if (typeof PromiseConstructor.withResolvers !== 'function') {
  PromiseConstructor.withResolvers = <T>(): PromiseWithResolversShape<T> => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
