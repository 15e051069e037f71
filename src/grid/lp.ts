import type { Highs, ModelData } from 'highs';
import { GridError } from './errors.js';

/**
 * A linear program built column by column and row by row, handed to HiGHS as sparse arrays (no
 * text to parse on the hot path) and printable as CPLEX LP text for inspection. Columns and rows
 * keep their insertion order, so the same model always reaches the solver in the same form.
 */
export class LpModel {
  private readonly colNames: string[] = [];
  private readonly colCost: number[] = [];
  private readonly colLower: number[] = [];
  private readonly colUpper: number[] = [];
  private readonly rowNames: string[] = [];
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];
  private readonly rowStarts: number[] = [0];
  private readonly indices: number[] = [];
  private readonly values: number[] = [];

  addColumn(name: string, cost: number, lower: number, upper: number): number {
    this.colNames.push(name);
    this.colCost.push(cost);
    this.colLower.push(lower);
    this.colUpper.push(upper);
    return this.colNames.length - 1;
  }

  /** Adds lower <= sum(value * column) <= upper; infinite bounds leave that side open. */
  addRow(name: string, terms: readonly (readonly [number, number])[], lower: number, upper: number): void {
    const kept = terms.filter(([, value]) => value !== 0);
    if (kept.length === 0) {
      if (lower > 0 || upper < 0) {
        throw new GridError('CONGESTION_INFEASIBLE', `constraint ${name} cannot be met by any curtailment`);
      }
      return;
    }
    this.rowNames.push(name);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    for (const [column, value] of kept) {
      this.indices.push(column);
      this.values.push(value);
    }
    this.rowStarts.push(this.indices.length);
  }

  get columnCount(): number {
    return this.colNames.length;
  }

  modelData(infinity: number): ModelData {
    const clamp = (x: number) =>
      x === Number.POSITIVE_INFINITY ? infinity : x === Number.NEGATIVE_INFINITY ? -infinity : x;
    return {
      numCols: this.colNames.length,
      numRows: this.rowNames.length,
      colCost: this.colCost,
      colLower: this.colLower.map(clamp),
      colUpper: this.colUpper.map(clamp),
      rowLower: this.rowLower.map(clamp),
      rowUpper: this.rowUpper.map(clamp),
      matrix: {
        format: 'csr',
        numRows: this.rowNames.length,
        numCols: this.colNames.length,
        starts: this.rowStarts,
        indices: this.indices,
        values: this.values,
      },
    } as ModelData;
  }

  /** CPLEX LP text of the model, for logs and for reading the program by eye. */
  text(): string {
    const term = (value: number, column: number) =>
      `${value < 0 ? '-' : '+'} ${Math.abs(value)} ${this.colNames[column]}`;
    const lines = ['Minimize', ` obj: ${this.colCost.map((c, j) => term(c, j)).join(' ')}`, 'Subject To'];
    this.rowNames.forEach((name, r) => {
      const body: string[] = [];
      for (let k = this.rowStarts[r]!; k < this.rowStarts[r + 1]!; k++)
        body.push(term(this.values[k]!, this.indices[k]!));
      const lower = this.rowLower[r]!;
      const upper = this.rowUpper[r]!;
      if (lower === upper) lines.push(` ${name}: ${body.join(' ')} = ${lower}`);
      else if (lower === Number.NEGATIVE_INFINITY) lines.push(` ${name}: ${body.join(' ')} <= ${upper}`);
      else if (upper === Number.POSITIVE_INFINITY) lines.push(` ${name}: ${body.join(' ')} >= ${lower}`);
      else lines.push(` ${name}: ${lower} <= ${body.join(' ')} <= ${upper}`);
    });
    lines.push('Bounds');
    this.colNames.forEach((name, j) => {
      const lower = this.colLower[j]!;
      const upper = this.colUpper[j]!;
      if (lower === Number.NEGATIVE_INFINITY && upper === Number.POSITIVE_INFINITY)
        lines.push(` ${name} free`);
      else lines.push(` ${lower} <= ${name} <= ${upper}`);
    });
    lines.push('End', '');
    return lines.join('\n');
  }
}

export type LpStatus = 'optimal' | 'infeasible' | 'failed';

export interface LpSolution {
  readonly status: LpStatus;
  /** HiGHS's own model status code, for the error message when the status is 'failed'. */
  readonly code: number;
  readonly values: Float64Array;
}

/**
 * Solves a model with one HiGHS instance; the native model is always disposed. When dual simplex
 * ends without a verdict (HiGHS reports "unknown", which happens on nearly infeasible programs),
 * the interior-point solver is asked once more, so that an infeasible program is reported as
 * infeasible rather than as a solver failure.
 */
export function solveLp(highs: Highs, model: LpModel): LpSolution {
  const first = solveWith(highs, model, {});
  if (first.status !== 'failed') return first;
  const second = solveWith(highs, model, { solver: 'ipm' });
  return second.status === 'failed' ? first : second;
}

function solveWith(highs: Highs, model: LpModel, options: Record<string, string>): LpSolution {
  return highs.withModel(model.modelData(highs.infinity), (native): LpSolution => {
    native.options.set({ output_flag: false, ...options });
    try {
      native.run();
    } catch {
      // HiGHS raises when a run ends in an error status; that is a failed solve, not a crash.
      return { status: 'failed', code: -1, values: new Float64Array(model.columnCount) };
    }
    const code = native.getModelStatus() as number;
    const codes = highs.constants.modelStatus;
    if (code === codes.optimal) {
      return { status: 'optimal', code, values: Float64Array.from(native.getSolution().colValue) };
    }
    const infeasible = code === codes.infeasible || code === codes.unboundedOrInfeasible;
    return {
      status: infeasible ? 'infeasible' : 'failed',
      code,
      values: new Float64Array(model.columnCount),
    };
  });
}
