/**
 * The public keys a verification engine has decoded, and which of them hold a window table in it.
 * Decoding a key costs about as much as a verification, and keys repeat (a market participant, a
 * meter, a committee member signs again and again), so decoded keys are remembered; a key that
 * keeps signing earns a table, which makes its multiplication several times cheaper but costs a
 * few verifications to build and tens of kilobytes of engine memory, so only keys seen often get
 * one. When every slot is taken, or the cache is full, everything is forgotten and handed out
 * again from the start: simple, and a busy key earns its table back within a few uses.
 */
export interface KnownKey<Point> {
  readonly point: Point;
  uses: number;
  /** The key's table in the engine, once it has one. */
  slot: number | undefined;
}

export interface KnownKeyLimits {
  /** Decoded keys remembered. */
  readonly keys: number;
  /** Tables the engine holds. */
  readonly slots: number;
  /** The use at which a key earns a table. */
  readonly usesBeforeTable: number;
}

export class KnownKeys<Point> {
  private readonly keys = new Map<string, KnownKey<Point>>();
  private tabled = 0;

  constructor(private readonly limits: KnownKeyLimits) {}

  /** The key named `id`, decoded by `decode` when first seen; a key `decode` refuses is not remembered. */
  get(id: string, decode: () => Point): KnownKey<Point> {
    let key = this.keys.get(id);
    if (key === undefined) {
      key = { point: decode(), uses: 0, slot: undefined };
      if (this.keys.size >= this.limits.keys) this.forget();
      this.keys.set(id, key);
    }
    return key;
  }

  /**
   * Counts one use of the key and returns its table slot, if it has one; at the use that earns
   * it, `build` fills a slot first.
   */
  slotForUse(
    id: string,
    key: KnownKey<Point>,
    build: (slot: number, point: Point) => void,
  ): number | undefined {
    key.uses++;
    if (key.uses === this.limits.usesBeforeTable) {
      if (this.tabled >= this.limits.slots) {
        this.forget();
        this.keys.set(id, key);
      }
      const slot = this.tabled++;
      build(slot, key.point);
      key.slot = slot;
    }
    return key.slot;
  }

  private forget(): void {
    // Slots are handed out again from 0, so no remembered key may keep one.
    for (const key of this.keys.values()) key.slot = undefined;
    this.keys.clear();
    this.tabled = 0;
  }
}
