/**
 * A minimal WebAssembly binary writer: enough to emit straight-line integer code over one linear
 * memory. The SM2 field arithmetic is generated with it at start-up (src/crypto/wasm/field-256.ts),
 * so the project needs neither a compiler toolchain at install time nor a prebuilt binary in the
 * repository: the code that produces the module is the source, and the WebAssembly validator
 * checks every module before it runs.
 */

export const ValueType = { i32: 0x7f, i64: 0x7e } as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** Opcodes used by the generators (WebAssembly core specification, section 5.4). */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load32U: 0x35,
  i64Store32: 0x3e,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
} as const;

const EMPTY_BLOCK = 0x40;

function unsignedLeb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signedLeb(value: bigint, out: number[]): void {
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const signBitClear = (byte & 0x40) === 0;
    if ((v === 0n && signBitClear) || (v === -1n && !signBitClear)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** The body of one function: its locals beyond the parameters, and its instructions. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(private readonly parameterCount: number) {}

  /** Declares a new local of `type` and returns its index. */
  local(type: ValueType): number {
    this.localTypes.push(type);
    return this.parameterCount + this.localTypes.length - 1;
  }

  op(opcode: number): this {
    this.code.push(opcode);
    return this;
  }

  get(index: number): this {
    this.code.push(Op.localGet);
    unsignedLeb(index, this.code);
    return this;
  }

  set(index: number): this {
    this.code.push(Op.localSet);
    unsignedLeb(index, this.code);
    return this;
  }

  tee(index: number): this {
    this.code.push(Op.localTee);
    unsignedLeb(index, this.code);
    return this;
  }

  i32(value: number): this {
    this.code.push(Op.i32Const);
    signedLeb(BigInt(value | 0), this.code);
    return this;
  }

  i64(value: bigint | number): this {
    this.code.push(Op.i64Const);
    // The constant is a 64-bit pattern: a value at or above 2^63 is written as its negative twin.
    const v = BigInt.asIntN(64, BigInt(value));
    signedLeb(v, this.code);
    return this;
  }

  /** i64.load32_u at the address on the stack plus `offset`. */
  load32(offset: number): this {
    this.code.push(Op.i64Load32U, 2);
    unsignedLeb(offset, this.code);
    return this;
  }

  /** i64.store32: stores the low 32 bits of the value at the address below it plus `offset`. */
  store32(offset: number): this {
    this.code.push(Op.i64Store32, 2);
    unsignedLeb(offset, this.code);
    return this;
  }

  call(functionIndex: number): this {
    this.code.push(Op.call);
    unsignedLeb(functionIndex, this.code);
    return this;
  }

  ifThen(): this {
    this.code.push(Op.if, EMPTY_BLOCK);
    return this;
  }

  /** Opens a loop: `brIf(0)` inside it jumps back to its start; close it with `end()`. */
  loop(): this {
    this.code.push(Op.loop, EMPTY_BLOCK);
    return this;
  }

  /** Branches to the enclosing block `depth` levels out when the i32 on the stack is not zero. */
  brIf(depth: number): this {
    this.code.push(Op.brIf);
    unsignedLeb(depth, this.code);
    return this;
  }

  end(): this {
    this.code.push(Op.end);
    return this;
  }

  encode(): number[] {
    // Locals are declared as runs of one type.
    const runs: Array<[number, ValueType]> = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    const body: number[] = [];
    unsignedLeb(runs.length, body);
    for (const [count, type] of runs) {
      unsignedLeb(count, body);
      body.push(type);
    }
    body.push(...this.code, Op.end);
    const out: number[] = [];
    unsignedLeb(body.length, out);
    for (const byte of body) out.push(byte);
    return out;
  }
}

interface DeclaredFunction {
  readonly typeIndex: number;
  readonly body: FunctionBody;
  readonly exportName: string | undefined;
}

/** A module of functions over one exported memory, with no imports. */
export class ModuleWriter {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly functions: DeclaredFunction[] = [];

  constructor(private readonly memoryPages: number) {}

  /**
   * Declares a function; its index is returned at once so that functions can call one another.
   * Fill the body before `encode`.
   */
  declare(
    parameters: readonly ValueType[],
    results: readonly ValueType[],
    exportName?: string,
  ): { index: number; body: FunctionBody } {
    const signature = [0x60, parameters.length, ...parameters, results.length, ...results];
    const key = signature.join(',');
    let typeIndex = this.types.indexOf(key);
    if (typeIndex < 0) {
      typeIndex = this.types.length;
      this.types.push(key);
      this.typeBytes.push(signature);
    }
    const body = new FunctionBody(parameters.length);
    this.functions.push({ typeIndex, body, exportName });
    return { index: this.functions.length - 1, body };
  }

  encode(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]): void => {
      out.push(id);
      unsignedLeb(content.length, out);
      for (const byte of content) out.push(byte);
    };
    const vector = (items: number[][]): number[] => {
      const content: number[] = [];
      unsignedLeb(items.length, content);
      for (const item of items) for (const byte of item) content.push(byte);
      return content;
    };

    section(1, vector(this.typeBytes));
    section(
      3,
      vector(
        this.functions.map((f) => {
          const bytes: number[] = [];
          unsignedLeb(f.typeIndex, bytes);
          return bytes;
        }),
      ),
    );
    const memory: number[] = [0x00];
    unsignedLeb(this.memoryPages, memory);
    section(5, vector([memory]));
    const exports: number[][] = [];
    const name = (text: string): number[] => {
      const bytes = [...new TextEncoder().encode(text)];
      const encoded: number[] = [];
      unsignedLeb(bytes.length, encoded);
      return [...encoded, ...bytes];
    };
    exports.push([...name('memory'), 0x02, 0x00]);
    this.functions.forEach((f, index) => {
      if (f.exportName === undefined) return;
      const entry = [...name(f.exportName), 0x00];
      unsignedLeb(index, entry);
      exports.push(entry);
    });
    section(7, vector(exports));
    section(10, vector(this.functions.map((f) => f.body.encode())));
    return new Uint8Array(out);
  }
}

/** The part of Node's global `WebAssembly` used here; the ES2022 library typings do not declare it. */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** Compiles and instantiates a module with no imports (small modules compile synchronously). */
export function instantiate(bytes: Uint8Array): object {
  const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  return new api.Instance(new api.Module(bytes), {}).exports;
}
