import { GridError } from './errors.js';
import type { Token } from './matpower-lexer.js';
import {
  CONSTANTS,
  FUNCTIONS,
  INDEX_FUNCTIONS,
  isScalar,
  type MatrixValue,
  matrix,
  scalar,
  type Value,
} from './matpower-values.js';

/**
 * Runs the statements of a MATPOWER case file: the `mpc.* = ...` data assignments and the short
 * conversion code that distribution cases append (ohms to per unit, kW to MW, kVA and power
 * factor to kW and kvar). The language is a small, closed subset of MATLAB: anything outside it is
 * refused with the statement named, never guessed at.
 */
export interface CaseProgram {
  readonly fields: ReadonlyMap<string, Value>;
  /** The conversion statements that were applied, in source form, for the import report. */
  readonly conversions: readonly string[];
}

type Selector = 'all' | number[];

export function runCase(tokens: readonly Token[]): CaseProgram {
  const fields = new Map<string, Value>();
  const variables = new Map<string, MatrixValue>();
  const conversions: string[] = [];
  for (const statement of splitStatements(tokens)) {
    const interpreter = new StatementInterpreter(statement, fields, variables);
    if (interpreter.run()) conversions.push(statementText(statement));
  }
  return { fields, conversions };
}

function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct' && (token.text === '(' || token.text === '[' || token.text === '{')) depth++;
    if (token.kind === 'punct' && (token.text === ')' || token.text === ']' || token.text === '}')) depth--;
    const ends = depth <= 0 && (token.kind === 'newline' || token.text === ';' || token.text === ',');
    if (ends && token.kind !== 'string') {
      if (current.length > 0) statements.push(current);
      current = [];
      depth = 0;
      continue;
    }
    current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

export function statementText(statement: readonly Token[]): string {
  let text = '';
  for (const token of statement) {
    if (token.kind === 'newline') {
      text += ' ';
      continue;
    }
    const shown = token.kind === 'string' ? `'${token.text}'` : token.text;
    text += (token.spaceBefore && text.length > 0 ? ' ' : '') + shown;
  }
  return text.replace(/\s+/g, ' ').trim();
}

class StatementInterpreter {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly fields: Map<string, Value>,
    private readonly variables: Map<string, MatrixValue>,
  ) {}

  /** Executes the statement; returns true when it changed data already assigned (a conversion). */
  run(): boolean {
    const first = this.tokens[0]!;
    if (first.kind === 'ident' && first.text === 'function') return false;
    if (
      first.kind === 'ident' &&
      (first.text === 'return' || first.text === 'end') &&
      this.tokens.length === 1
    ) {
      return false;
    }
    if (first.text === '[' && this.isIndexAssignment()) {
      this.runIndexAssignment();
      return false;
    }
    if (first.kind === 'ident' && first.text === 'mpc' && this.peekText(1) === '.') {
      return this.runFieldAssignment();
    }
    if (first.kind === 'ident' && this.peekText(1) === '=' && !(first.text in FUNCTIONS)) {
      this.pos = 2;
      const value = this.expression();
      this.expectEnd();
      if (value.kind !== 'matrix') this.unsupported('only numeric variables are supported');
      this.variables.set(first.text, value);
      return false;
    }
    return this.unsupported('not a data assignment or a recognised conversion');
  }

  private isIndexAssignment(): boolean {
    const close = this.tokens.findIndex((t) => t.text === ']');
    return close > 0 && this.tokens[close + 1]?.text === '=';
  }

  /** `[PQ, PV, ...] = idx_bus;` binds MATPOWER's column names, checked name by name. */
  private runIndexAssignment(): void {
    const names: string[] = [];
    this.pos = 1;
    while (this.peekText(0) !== ']') {
      const token = this.next();
      if (token.text === ',') continue;
      if (token.kind !== 'ident') this.unsupported('expected a list of names');
      names.push(token.text);
    }
    this.pos++;
    this.expect('=');
    const fn = this.next();
    this.expectEnd();
    const table = INDEX_FUNCTIONS[fn.text];
    if (table === undefined) this.unsupported(`unknown function '${fn.text}'`);
    names.forEach((name, k) => {
      const known = table![k];
      if (known === undefined || known[0] !== name) {
        this.unsupported(
          `${fn.text} returns ${known ? known[0] : 'nothing'} in position ${k + 1}, not ${name}`,
        );
      }
      this.variables.set(name, scalar(known![1]));
    });
  }

  private runFieldAssignment(): boolean {
    this.pos = 2;
    const name = this.next();
    if (name.kind !== 'ident') this.unsupported('expected a field name after mpc.');
    if (this.peekText(0) === '(') {
      const [rows, cols] = this.selectors();
      this.expect('=');
      const value = this.expression();
      this.expectEnd();
      this.assignIndexed(name.text, rows, cols, value);
      return true;
    }
    this.expect('=');
    const value = this.expression();
    this.expectEnd();
    const replaces = this.fields.has(name.text);
    this.fields.set(name.text, value);
    return replaces;
  }

  private assignIndexed(field: string, rowSel: Selector, colSel: Selector, value: Value): void {
    const target = this.fields.get(field);
    if (target === undefined || target.kind !== 'matrix') this.unsupported(`mpc.${field} is not a matrix`);
    if (value.kind !== 'matrix') this.unsupported('only numbers can be assigned into a matrix');
    const m = target as MatrixValue;
    const rows = this.resolve(rowSel, m.rows);
    const cols = this.resolve(colSel, m.cols);
    const v = value as MatrixValue;
    const broadcast = isScalar(v);
    if (!broadcast && (v.rows !== rows.length || v.cols !== cols.length)) {
      this.unsupported(`assigns ${v.rows}x${v.cols} values into ${rows.length}x${cols.length}`);
    }
    const data = m.data.slice();
    rows.forEach((r, i) => {
      cols.forEach((c, j) => {
        data[r * m.cols + c] = broadcast ? v.data[0]! : v.data[i * v.cols + j]!;
      });
    });
    this.fields.set(field, matrix(m.rows, m.cols, data));
  }

  private resolve(sel: Selector, size: number): number[] {
    if (sel === 'all') return Array.from({ length: size }, (_, i) => i);
    return sel.map((one) => {
      if (!Number.isInteger(one) || one < 1 || one > size)
        this.unsupported(`index ${one} is outside 1..${size}`);
      return one - 1;
    });
  }

  private selectors(): [Selector, Selector] {
    this.expect('(');
    const rows = this.selector();
    this.expect(',');
    const cols = this.selector();
    this.expect(')');
    return [rows, cols];
  }

  private selector(): Selector {
    if (this.peekText(0) === ':' && (this.peekText(1) === ',' || this.peekText(1) === ')')) {
      this.pos++;
      return 'all';
    }
    if (this.peekText(0) === '[') {
      this.pos++;
      const items: number[] = [];
      while (this.peekText(0) !== ']') {
        if (this.peekText(0) === ',') {
          this.pos++;
          continue;
        }
        items.push(...this.scalarList(this.primary()));
      }
      this.pos++;
      return items;
    }
    const start = this.expression();
    if (this.peekText(0) === ':') {
      this.pos++;
      const end = this.expression();
      const a = this.asScalar(start);
      const b = this.asScalar(end);
      const out: number[] = [];
      for (let k = a; k <= b; k++) out.push(k);
      return out;
    }
    return this.scalarList(start);
  }

  private scalarList(value: Value): number[] {
    if (value.kind !== 'matrix') return this.unsupported('an index must be numeric');
    return value.data.slice();
  }

  private asScalar(value: Value): number {
    if (value.kind !== 'matrix' || !isScalar(value)) return this.unsupported('expected a single number');
    return value.data[0]!;
  }

  // expression := term (('+' | '-') term)*
  private expression(): Value {
    let left = this.term();
    while (this.peekText(0) === '+' || this.peekText(0) === '-') {
      const op = this.next().text;
      left = this.binary(op, left, this.term());
    }
    return left;
  }

  private term(): Value {
    let left = this.unary();
    for (;;) {
      const op = this.peekText(0);
      if (op !== '*' && op !== '/' && op !== '.*' && op !== './') return left;
      this.pos++;
      left = this.binary(op, left, this.unary());
    }
  }

  private unary(): Value {
    if (this.peekText(0) === '-') {
      this.pos++;
      return this.binary('*', scalar(-1), this.unary());
    }
    if (this.peekText(0) === '+') {
      this.pos++;
      return this.unary();
    }
    return this.power();
  }

  private power(): Value {
    const base = this.primary();
    const op = this.peekText(0);
    if (op === '^' || op === '.^') {
      this.pos++;
      return this.binary(op, base, this.unary());
    }
    return base;
  }

  private primary(): Value {
    const token = this.next();
    if (token.kind === 'number') return scalar(token.value);
    if (token.kind === 'string') return { kind: 'string', text: token.text };
    if (token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.text === '[') return this.matrixLiteral();
    if (token.text === '{') return this.cellLiteral();
    if (token.kind === 'ident') {
      if (token.text === 'mpc') {
        this.expect('.');
        const field = this.next().text;
        const value = this.fields.get(field);
        if (value === undefined) return this.unsupported(`mpc.${field} is used before it is assigned`);
        if (this.peekText(0) !== '(') return value;
        if (value.kind !== 'matrix') return this.unsupported(`mpc.${field} is not a matrix`);
        const [rowSel, colSel] = this.selectors();
        const rows = this.resolve(rowSel, value.rows);
        const cols = this.resolve(colSel, value.cols);
        const data: number[] = [];
        for (const r of rows) for (const c of cols) data.push(value.data[r * value.cols + c]!);
        return matrix(rows.length, cols.length, data);
      }
      const fn = FUNCTIONS[token.text];
      if (fn !== undefined && this.peekText(0) === '(') {
        this.pos++;
        const arg = this.expression();
        this.expect(')');
        if (arg.kind !== 'matrix') return this.unsupported(`${token.text}() needs a number`);
        return matrix(arg.rows, arg.cols, arg.data.map(fn));
      }
      const variable = this.variables.get(token.text);
      if (variable !== undefined) return variable;
      const constant = CONSTANTS[token.text];
      if (constant !== undefined) return scalar(constant);
      return this.unsupported(`unknown name '${token.text}'`);
    }
    return this.unsupported(`unexpected '${token.text}'`);
  }

  /** Matrix literals hold numbers only; whitespace or commas separate elements, ';' or newline rows. */
  private matrixLiteral(): MatrixValue {
    const rows: number[][] = [];
    let row: number[] = [];
    for (;;) {
      const token = this.next();
      if (token.text === ']') break;
      if (token.text === ';' || token.kind === 'newline') {
        if (row.length > 0) rows.push(row);
        row = [];
        continue;
      }
      if (token.text === ',') continue;
      let sign = 1;
      let valueToken = token;
      if (token.text === '-' || token.text === '+') {
        const following = this.next();
        if (following.spaceBefore) this.unsupported('arithmetic inside a matrix literal');
        sign = token.text === '-' ? -1 : 1;
        valueToken = following;
      }
      if (valueToken.kind === 'number') row.push(sign * valueToken.value);
      else if (valueToken.kind === 'ident' && CONSTANTS[valueToken.text] !== undefined) {
        row.push(sign * CONSTANTS[valueToken.text]!);
      } else this.unsupported(`'${valueToken.text}' inside a matrix literal`);
    }
    if (row.length > 0) rows.push(row);
    const cols = rows[0]?.length ?? 0;
    rows.forEach((r, i) => {
      if (r.length !== cols) {
        throw new GridError(
          'CASE_SYNTAX',
          `matrix row ${i + 1} has ${r.length} columns, the first has ${cols}`,
          {
            statement: statementText(this.tokens),
            line: this.tokens[0]!.line,
          },
        );
      }
    });
    return matrix(rows.length, cols, rows.flat());
  }

  private cellLiteral(): Value {
    const items: string[] = [];
    for (;;) {
      const token = this.next();
      if (token.text === '}') break;
      if (token.kind === 'string') items.push(token.text);
      else if (token.text !== ';' && token.text !== ',' && token.kind !== 'newline') {
        this.unsupported('cell arrays may hold strings only');
      }
    }
    return { kind: 'cell', items };
  }

  private binary(op: string, a: Value, b: Value): MatrixValue {
    if (a.kind !== 'matrix' || b.kind !== 'matrix') return this.unsupported(`'${op}' needs numbers`);
    const elementwise = op === '+' || op === '-' || op.startsWith('.') || isScalar(a) || isScalar(b);
    if (!elementwise) return this.unsupported(`matrix '${op}' (use a scalar or an elementwise operator)`);
    if ((op === '/' || op === '^') && !isScalar(b)) return this.unsupported(`'${op}' by a matrix`);
    const f = OPERATIONS[op.replace('.', '')]!;
    if (isScalar(a) && !isScalar(b))
      return matrix(
        b.rows,
        b.cols,
        b.data.map((y) => f(a.data[0]!, y)),
      );
    if (isScalar(b))
      return matrix(
        a.rows,
        a.cols,
        a.data.map((x) => f(x, b.data[0]!)),
      );
    if (a.rows !== b.rows || a.cols !== b.cols) {
      return this.unsupported(`'${op}' of ${a.rows}x${a.cols} and ${b.rows}x${b.cols}`);
    }
    return matrix(
      a.rows,
      a.cols,
      a.data.map((x, i) => f(x, b.data[i]!)),
    );
  }

  private next(): Token {
    const token = this.tokens[this.pos];
    if (token === undefined) return this.unsupported('statement ends too early');
    this.pos++;
    return token;
  }

  private peekText(offset: number): string | undefined {
    return this.tokens[this.pos + offset]?.text;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) this.unsupported(`expected '${text}', found '${token.text}'`);
  }

  private expectEnd(): void {
    if (this.pos < this.tokens.length) this.unsupported(`unexpected '${this.tokens[this.pos]!.text}'`);
  }

  private unsupported(reason: string): never {
    const statement = statementText(this.tokens);
    const line = this.tokens[0]?.line ?? 0;
    throw new GridError('CASE_UNSUPPORTED', `cannot interpret line ${line}: "${statement}": ${reason}`, {
      statement,
      line,
      reason,
    });
  }
}

const OPERATIONS: Readonly<Record<string, (x: number, y: number) => number>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => x ** y,
};
