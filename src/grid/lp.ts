/**
 * Writes linear programs in the CPLEX LP text format that HiGHS reads. Numbers are written in
 * JavaScript's shortest round-trip form, so the same model always gives the same bytes.
 */
export class LpWriter {
  private readonly objective: string[] = [];
  private readonly rows: string[] = [];
  private readonly bounds: string[] = [];

  objectiveTerm(coefficient: number, variable: string): void {
    if (coefficient !== 0) this.objective.push(term(coefficient, variable));
  }

  row(
    name: string,
    terms: readonly (readonly [number, string])[],
    sense: '<=' | '>=' | '=',
    rhs: number,
  ): void {
    const body = terms.filter(([c]) => c !== 0).map(([c, v]) => term(c, v));
    if (body.length === 0) return;
    this.rows.push(` ${name}: ${body.join(' ')} ${sense} ${num(rhs)}`);
  }

  bound(variable: string, lower: number, upper: number): void {
    this.bounds.push(` ${num(lower)} <= ${variable} <= ${num(upper)}`);
  }

  free(variable: string): void {
    this.bounds.push(` ${variable} free`);
  }

  text(): string {
    const objective = this.objective.length > 0 ? this.objective.join(' ') : '0 x_none';
    return [
      'Minimize',
      ` obj: ${objective}`,
      'Subject To',
      ...this.rows,
      'Bounds',
      ...this.bounds,
      'End',
      '',
    ].join('\n');
  }
}

function term(coefficient: number, variable: string): string {
  return coefficient < 0 ? `- ${num(-coefficient)} ${variable}` : `+ ${num(coefficient)} ${variable}`;
}

function num(x: number): string {
  return String(x);
}
