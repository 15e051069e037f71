/**
 * Every error GridShard raises on purpose carries a stable `code` and a typed payload, so callers
 * switch on codes and logs stay structured. Layers subclass it in their own `errors.ts`.
 */
export class GridShardError<Code extends string = string, Data extends object = object> extends Error {
  readonly code: Code;
  readonly data: Data;

  constructor(code: Code, message: string, data: Data = {} as Data) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
  }

  toJSON(): { code: Code; message: string; data: Data } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isGridShardError(error: unknown): error is GridShardError {
  return error instanceof GridShardError;
}
