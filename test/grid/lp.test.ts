import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadHighs } from '../../src/grid/index.js';
import { LpModel, solveLp } from '../../src/grid/lp.js';

describe('linear programs for HiGHS', () => {
  it('solves from sparse arrays and prints LP text that HiGHS reads to the same optimum', async () => {
    const highs = await loadHighs();
    const lp = new LpModel();
    const x = lp.addColumn('x', 2, 0, 1);
    const y = lp.addColumn('y', 3, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    lp.addRow(
      'need',
      [
        [x, 1],
        [y, 1],
      ],
      1.5,
      Number.POSITIVE_INFINITY,
    );
    lp.addRow(
      'cap',
      [
        [x, -1],
        [y, 1],
      ],
      Number.NEGATIVE_INFINITY,
      1,
    );
    lp.addRow(
      'tie',
      [
        [x, 1],
        [y, -1],
      ],
      0.5,
      0.5,
    );
    const solution = solveLp(highs, lp);
    assert.equal(solution.status, 'optimal');
    assert.deepEqual([...solution.values], [1, 0.5]);
    const fromText = highs.solve(lp.text(), { output_flag: false } as never);
    assert.equal(fromText.Status, 'Optimal');
    assert.ok(Math.abs(fromText.ObjectiveValue - 3.5) < 1e-9);
  });

  it('reports infeasibility', async () => {
    const highs = await loadHighs();
    const lp = new LpModel();
    const x = lp.addColumn('x', 1, 0, 1);
    lp.addRow('impossible', [[x, 1]], 2, Number.POSITIVE_INFINITY);
    assert.equal(solveLp(highs, lp).status, 'infeasible');
  });
});
