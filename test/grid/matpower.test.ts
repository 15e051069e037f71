import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  GridError,
  gridFromJson,
  gridToJson,
  importMatpowerCase,
  parseMatpowerCase,
} from '../../src/grid/index.js';
import { fixtureText, ieee33, SHARED_CASE33 } from './cases.js';

function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GridError, `expected a GridError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected an error');
}

describe('MATPOWER import', () => {
  it('applies the ohm and kW conversions of a distribution case', () => {
    const { grid, conversions } = importMatpowerCase(fixtureText('feeder5.m'), 'feeder5');
    assert.equal(conversions.length, 2);
    assert.equal(grid.buses.length, 5);
    // 0.30 ohm on an 11 kV, 1 MVA base: Zbase = 121 ohm.
    assert.ok(Math.abs(grid.branches[0]!.rPu - 0.3 / 121) < 1e-15);
    assert.ok(Math.abs(grid.branches[0]!.xPu - 0.4 / 121) < 1e-15);
    const load3 = grid.loads.find((l) => l.bus === 3)!;
    assert.ok(Math.abs(load3.pKw - 200) < 1e-9);
    assert.ok(Math.abs(load3.qKvar - 80) < 1e-9);
    assert.equal(grid.branches[0]!.rateKva, 800);
    assert.equal(grid.branches[4]!.inService, false);
    assert.equal(grid.buses[2]!.zone, '2');
    assert.equal(grid.substation.bus, 1);
    assert.equal(grid.substation.capacityKva, 5000);
    assert.equal(grid.generators[0]!.vSetPu, 1.02);
  });

  it('applies a kVA and power-factor conversion written with functions', () => {
    const text = `${fixtureText('feeder5.m')}
pf = 0.9;
mpc.bus(:, QD) = mpc.bus(:, PD) * tan(acos(pf));
`;
    const { grid } = importMatpowerCase(text);
    const load = grid.loads.find((l) => l.bus === 2)!;
    assert.ok(Math.abs(load.qKvar - 150 * Math.tan(Math.acos(0.9))) < 1e-9);
  });

  it('reads the IEEE 33-bus fixture with the published totals', () => {
    const grid = ieee33();
    const p = grid.loads.reduce((sum, l) => sum + l.pKw, 0);
    const q = grid.loads.reduce((sum, l) => sum + l.qKvar, 0);
    assert.ok(Math.abs(p - 3715) < 1e-9);
    assert.ok(Math.abs(q - 2300) < 1e-9);
    assert.equal(grid.branches.filter((b) => !b.inService).length, 5);
  });

  it('round-trips the JSON grid document', () => {
    const grid = parseMatpowerCase(fixtureText('feeder5.m'));
    const again = gridFromJson(JSON.parse(JSON.stringify(gridToJson(grid))));
    assert.deepEqual(gridToJson(again), gridToJson(grid));
  });

  it('matches the original case33bw.m where the shared data is present', (t) => {
    if (!existsSync(SHARED_CASE33)) {
      t.skip('../shared/data/case33bw.m is not beside this checkout');
      return;
    }
    const original = parseMatpowerCase(readFileSync(SHARED_CASE33, 'utf8'), 'ieee33-baran-wu');
    assert.deepEqual(gridToJson(original), gridToJson(ieee33()));
  });

  it('skips block comments and keeps % inside strings', () => {
    const text = fixtureText('feeder5.m').replace(
      "mpc.version = '2';",
      "mpc.version = '2';\n%{\nmpc.baseMVA = 99;\n  %{\n  nested\n  %}\n%}\nmpc.note = 'load at 100 % of rating';",
    );
    const grid = parseMatpowerCase(text);
    assert.equal(grid.baseMva, 1);
  });

  it('names the statement it cannot interpret', () => {
    const text = `${fixtureText('feeder5.m')}\nmpc.bus(:, PD) = mpc.bus(:, PD) * rand(1);\n`;
    try {
      parseMatpowerCase(text);
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof GridError);
      assert.equal(error.code, 'CASE_UNSUPPORTED');
      assert.match(error.message, /mpc\.bus\(:, PD\) = mpc\.bus\(:, PD\) \* rand\(1\)/);
      assert.match(error.message, /unknown name 'rand'/);
    }
  });

  it('refuses control flow and misnamed index lists', () => {
    const base = fixtureText('feeder5.m');
    assert.equal(
      errorCode(() => parseMatpowerCase(`${base}\nif 1\nend\n`)),
      'CASE_UNSUPPORTED',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(`${base}\n[PQ, REF] = idx_bus;\n`)),
      'CASE_UNSUPPORTED',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(`${base}\nmpc.branch(:, [3 4]) = mpc.branch(:, 3);\n`)),
      'CASE_UNSUPPORTED',
    );
  });

  it('rejects malformed files with clear errors', () => {
    const base = fixtureText('feeder5.m');
    assert.equal(
      errorCode(() => parseMatpowerCase("mpc.version = '2\n")),
      'CASE_SYNTAX',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(base.replace("mpc.version = '2';", "mpc.version = '1';"))),
      'CASE_UNSUPPORTED',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(base.replace('2\t1\t150\t50', '2\t1\t150'))),
      'CASE_SYNTAX',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(base.replace('\t2\t5\t0.50', '\t2\t9\t0.50'))),
      'GRID_INVALID',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(base.replace('1\t3\t0\t0', '1\t1\t0\t0'))),
      'GRID_INVALID',
    );
    assert.equal(
      errorCode(() => parseMatpowerCase(base.replace('mpc.baseMVA = 1;', ''))),
      'CASE_UNSUPPORTED',
    );
    assert.equal(
      errorCode(() => gridFromJson({ format: 'gridshard-grid', version: 1, buses: 3 })),
      'GRID_INVALID',
    );
    assert.equal(
      errorCode(() => gridFromJson('nope')),
      'GRID_INVALID',
    );
  });
});

describe('branch resistance', () => {
  it('refuses a negative resistance from a MATPOWER case, naming the branch', () => {
    // Branch 2-3 of the fixture with -0.45 ohm instead of 0.45.
    const text = fixtureText('feeder5.m').replace('\t2\t3\t0.45\t', '\t2\t3\t-0.45\t');
    assert.notEqual(text, fixtureText('feeder5.m'));
    try {
      importMatpowerCase(text, 'feeder5');
      assert.fail('expected GRID_INVALID');
    } catch (error) {
      assert.ok(error instanceof GridError);
      assert.equal(error.code, 'GRID_INVALID');
      assert.match(error.message, /branch 2 \(2-3\): resistance .* is negative/);
      assert.deepEqual(
        { branch: error.data.branch, from: error.data.from, to: error.data.to, field: error.data.field },
        { branch: 1, from: 2, to: 3, field: 'rPu' },
      );
    }
  });

  it('refuses it from a grid document too, even on an open tie switch', () => {
    const document = JSON.parse(JSON.stringify(gridToJson(ieee33()))) as {
      branches: { rPu: number; inService: boolean }[];
    };
    const tie = document.branches.findIndex((b) => !b.inService);
    document.branches[tie]!.rPu = -0.01;
    assert.equal(
      errorCode(() => gridFromJson(document)),
      'GRID_INVALID',
    );
  });

  it('accepts a negative reactance (a series capacitor)', () => {
    const text = fixtureText('feeder5.m').replace('\t2\t3\t0.45\t0.35\t', '\t2\t3\t0.45\t-0.2\t');
    assert.notEqual(text, fixtureText('feeder5.m'));
    assert.ok(importMatpowerCase(text, 'feeder5').grid.branches[1]!.xPu < 0);
  });
});
