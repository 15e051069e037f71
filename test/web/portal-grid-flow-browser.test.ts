import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { toHex } from '../../src/crypto/hash.js';
import { intervalFlow } from '../../src/grid/interval-flow.js';
import { dictionaries, format, type Locale } from '../../web/src/i18n/dict.js';
import { FEEDER_LINES } from '../../web/src/lib/ieee33.js';
import { startTestApi, type TestApi } from '../api/harness.js';
import {
  AFTER_CHECK,
  AS_MATCHED,
  FLOW_CYCLE,
  FLOW_GRID,
  flowSeed,
  plantGridModel,
  plantMembersAndCycle,
} from '../api/power-flow-fixture.js';
import { assertText, chromiumMissing, launchChromium, seriousViolations } from './browser.js';
import { ensurePortalBuilt } from './devnet.js';

// The grid enterprise's feeder in Chromium, served by the API over a ledger holding a checked
// cycle and the grid model (test/api/power-flow-fixture.ts): without a session the page says the
// flow is private; signed in as the cycle's grid enterprise, the diagram has one element per line
// whose spoken label carries the loading the grid engine computes for the same injections, the
// overloaded lines are listed with their figures, and switching to the flow after the check
// clears them. No serious accessibility violation.

const SCREENSHOTS = process.env.GRIDSHARD_SCREENSHOTS ?? join(tmpdir(), 'gridshard-portal-screenshots');
const PASSWORD = 'portal password';
const skip = chromiumMissing();
if (skip) console.log(`# ${skip}`);

/** The label the diagram must give each in-service line, from the grid engine's own numbers. */
function expectedLabels(locale: Locale, injections: typeof AS_MATCHED): Map<string, string> {
  const t = dictionaries[locale];
  const flow = intervalFlow(FLOW_GRID, injections, 0);
  const labels = new Map<string, string>();
  for (const line of FEEDER_LINES.filter((l) => l.inService)) {
    const found = flow.lines.find((l) => l.from === line.from && l.to === line.to)!;
    const pct = found.loadingPct!;
    const status = pct > 100 ? t.legendLineLoadOver : pct > 80 ? t.legendLineHeavy : t.legendLineLoadOk;
    labels.set(
      `${Math.min(line.from, line.to)}-${Math.max(line.from, line.to)}`,
      format(t.lineFlowLabel, {
        from: line.from,
        to: line.to,
        pct: pct.toFixed(1),
        rate: String(Math.round(found.rateKva)),
        kva: String(Math.round(found.flowKva)),
        status,
      }),
    );
  }
  return labels;
}

describe('the feeder coloured by the power flow, in Chromium', { skip }, () => {
  let t: TestApi;
  let url: string;
  let browser: Browser;

  before(async () => {
    ensurePortalBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestApi({ rateLimitPerSecond: 1_000_000, authRateLimitPerSecond: 1_000_000 });
    await plantMembersAndCycle(t.node);
    await plantGridModel(t.node);
    url = await t.api.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function check(page: Page, where: string, shot: string) {
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `${where}: ${JSON.stringify(found, null, 2)}`);
    await page.screenshot({ path: join(SCREENSHOTS, `${shot}.png`), fullPage: true });
  }

  async function assertLabels(page: Page, expected: Map<string, string>) {
    // One element per line of the diagram, each with a spoken label.
    assert.equal(await page.locator('[data-line]').count(), FEEDER_LINES.length);
    for (const [id, label] of expected) {
      assert.equal(await page.locator(`[data-line="${id}"]`).getAttribute('aria-label'), label, id);
    }
  }

  for (const locale of ['en', 'zh-CN'] as const satisfies readonly Locale[]) {
    it(`draws line loadings and bus voltages for the grid enterprise in ${locale}`, async () => {
      const d = dictionaries[locale];
      const context = await browser.newContext({ locale, viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      const gridPage = `${url}/grid?cycle=${FLOW_CYCLE}&interval=0`;

      // No session: the flow is private; elements keep the public records' colours.
      await page.goto(gridPage);
      await assertText(
        page.getByTestId('grid-outcome'),
        format(d.gridOutcome, { interval: 0, outcome: d.outcomeAdjusted }),
      );
      await assertText(page.locator('main'), d.flowPrivate);
      assert.equal(await page.getByTestId('flow-choice').count(), 0);

      // The cycle's grid enterprise signs in on the Keys page.
      await page.getByRole('link', { name: d.navKeys }).click();
      await page.locator('#import-label').fill('Grid enterprise');
      await page.locator('#import-seed').fill(toHex(flowSeed('gridEnterprise')));
      await page.locator('#import-password').fill(PASSWORD);
      await page.getByRole('button', { name: d.import, exact: true }).click();
      const row = page.locator('li.key').first();
      await row.locator('input[type=password]').fill(PASSWORD);
      await row.getByRole('button', { name: d.signIn }).click();
      await assertText(page.getByTestId('role'), format(d.roleReported, { role: 'gridEnterprise' }));

      // As matched: the far main feeder is over its rating, each line's label says by how much.
      await page.goto(gridPage);
      await page.getByTestId('flow-choice').waitFor();
      await assertLabels(page, expectedLabels(locale, AS_MATCHED));
      assert.equal(await page.locator('[data-line="17-18"]').getAttribute('data-status'), 'overload');
      assert.equal(await page.locator('[data-line="8-21"]').getAttribute('data-status'), 'open');
      const violations = page.getByTestId('flow-violations').locator('li');
      const broken = intervalFlow(FLOW_GRID, AS_MATCHED, 0).violations;
      assert.equal(await violations.count(), broken.length);
      const last = broken.find((v) => v.kind === 'branch-thermal' && v.to === 18)!;
      assert.ok(last.kind === 'branch-thermal');
      assert.equal(
        await page.locator('[data-key="branch-thermal:17-18"]').textContent(),
        format(d.violationLine, {
          from: 17,
          to: 18,
          kva: Math.round(last.flowKva),
          limit: 1200,
          pct: ((last.flowKva / 1200) * 100).toFixed(1),
        }),
      );
      // The adjusted deal, which the grid enterprise reads through the flow's answer.
      assert.equal(await page.getByTestId('adjusted-deals').locator('tbody tr').count(), 1);
      await check(page, 'grid as matched', `grid-flow-${locale}`);
      await page.getByTestId('feeder').screenshot({ path: join(SCREENSHOTS, `feeder-flow-${locale}.png`) });

      // After the check: within every rating, nothing listed.
      await page.getByLabel(d.flowAfterCheck).check();
      await assertLabels(page, expectedLabels(locale, AFTER_CHECK));
      assert.notEqual(await page.locator('[data-line="17-18"]').getAttribute('data-status'), 'overload');
      assert.equal(await violations.count(), 1);
      assert.equal(await violations.first().textContent(), d.none);

      // A bus's label carries its voltage.
      const vm18 = intervalFlow(FLOW_GRID, AFTER_CHECK, 0).buses.find((b) => b.bus === 18)!.vmPu!;
      assert.match(
        (await page.locator('[data-bus="18"]').getAttribute('aria-label')) ?? '',
        new RegExp(vm18.toFixed(4)),
      );
      await check(page, 'grid after the check', `grid-flow-after-${locale}`);
      await context.close();
    });
  }
});
