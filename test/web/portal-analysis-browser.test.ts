import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { fromHex } from '../../src/crypto/hash.js';
import { signerFromSeed } from '../../src/market/driver.js';
import { clearPlainOrders } from '../../src/market/order-book.js';
import { MarketStore } from '../../src/market/store.js';
import { analysisDictionaries } from '../../web/src/i18n/analysis-dict.js';
import { dictionaries, format, type Locale } from '../../web/src/i18n/dict.js';
import { parseCsv } from '../../web/src/lib/statement-csv.js';
import { assertText, chromiumMissing, launchChromium, seriousViolations } from './browser.js';
import { type Devnet, ensurePortalBuilt, startDevnet } from './devnet.js';

// The market analysis views in Chromium against one live validator, in Chinese and in English:
// a cycle with open quotations is closed and matched on chain; without a regulator's session the
// supply and demand page shows only the published price and volume and says why; a regulator's
// session draws the curves, whose crossing is the market's own clearing of the same book, and the
// analysis page's tables download as CSV that parses back to the figures shown. No serious
// accessibility violation on either page.

const SCREENSHOTS = process.env.GRIDSHARD_SCREENSHOTS ?? join(tmpdir(), 'gridshard-portal-screenshots');
const PASSWORD = 'portal password';
const skip = chromiumMissing();
if (skip) console.log(`# ${skip}`);

/** Interval 0's orders: [participant index, side, price, Wh]. Demo participants 0-5 sell, 6-11 buy. */
const ORDERS = [
  [0, 'sell', 330, 60_000],
  [1, 'sell', 350, 80_000],
  [2, 'sell', 420, 50_000],
  [6, 'buy', 470, 70_000],
  [7, 'buy', 400, 60_000],
  [8, 'buy', 340, 40_000],
] as const;

describe('market analysis views in Chromium', { skip }, () => {
  let devnet: Devnet;
  let browser: Browser;

  before(async () => {
    ensurePortalBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    devnet = await startDevnet({ market: { sealedBids: false } });
    await devnet.admitMembers();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await devnet?.stop();
  });

  const store = () =>
    new MarketStore({ get: (k: Uint8Array) => devnet.node.store.getState(k), set() {}, delete() {} });

  async function check(page: Page, where: string, shot: string) {
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `${where}: ${JSON.stringify(found, null, 2)}`);
    await page.screenshot({ path: join(SCREENSHOTS, `${shot}.png`), fullPage: true });
  }

  /** Opens a cycle, quotes ORDERS in the clear, closes the gate and matches, all on chain. */
  async function matchedCycle(cycleId: string) {
    const chainTimeMs = Number(devnet.node.store.headBlockHeader.timestampMs);
    await devnet.market(devnet.keys.tradingCenter, {
      type: 'openCycle',
      cycleId,
      intervals: 2,
      intervalMs: 900_000,
      // Block time moves at most 60 s per block on this chain: the gate stays open for the quotes.
      gateClosureMs: chainTimeMs + 1_200_000,
      deliveryStartMs: chainTimeMs + 3_600_000,
      gridEnterprise: signerFromSeed(fromHex(devnet.keys.gridEnterprise)).publicKey,
    });
    for (const [n, [who, side, price, wh]] of ORDERS.entries()) {
      await devnet.market(devnet.keys.participants[who]!, {
        type: 'submitQuote',
        cycleId,
        quoteId: `q-${n}`,
        quote: {
          side,
          mode: 'direct',
          project: 0,
          curves: [{ interval: 0, steps: [{ pricePerKwh: price, energyWh: wh }] }],
        },
      });
      const member = signerFromSeed(fromHex(devnet.keys.participants[who]!)).publicKey;
      assert.notEqual(store().quote(cycleId, member, `q-${n}`), undefined, `quote q-${n} is on chain`);
    }
    for (let i = 0; i < 40 && store().cycle(cycleId)?.state === 'open'; i++) {
      await devnet.market(devnet.keys.tradingCenter, { type: 'closeGate', cycleId });
    }
    if (store().cycle(cycleId)?.state === 'closed') {
      await devnet.market(devnet.keys.tradingCenter, { type: 'match', cycleId });
    }
    assert.notEqual(store().summary(cycleId, 0, 0)?.clearingPricePerKwh ?? null, null, 'interval 0 cleared');
  }

  for (const locale of ['zh-CN', 'en'] as const satisfies readonly Locale[]) {
    it(`shows supply and demand and the cycle analysis in ${locale}`, async () => {
      const t = dictionaries[locale];
      const a = analysisDictionaries[locale];
      const cycleId = `analysis-${locale}`;
      await matchedCycle(cycleId);
      const published = store().summary(cycleId, 0, 0)!;
      const context = await browser.newContext({
        locale,
        viewport: { width: 1366, height: 768 },
        acceptDownloads: true,
      });
      const page = await context.newPage();

      // No session: the published figures and the privacy rule, no curves.
      await page.goto(`${devnet.url}/curves?cycle=${cycleId}&interval=0`);
      await assertText(page.getByTestId('published-price'), String(published.clearingPricePerKwh));
      await assertText(page.getByTestId('published-volume'), String(published.volumeWh));
      await assertText(page.getByTestId('curves-privacy'), a.privacyPublic);
      assert.equal(await page.getByTestId('curves-chart').count(), 0);
      await check(page, 'curves without a session', `curves-public-${locale}`);

      // A regulator signs in on the Keys page.
      await page.getByRole('link', { name: t.navKeys }).click();
      await page.locator('#import-label').fill('Regulator');
      await page.locator('#import-seed').fill(devnet.keys.regulator);
      await page.locator('#import-password').fill(PASSWORD);
      await page.getByRole('button', { name: t.import, exact: true }).click();
      const row = page.locator('li.key').first();
      await row.locator('input[type=password]').fill(PASSWORD);
      await row.getByRole('button', { name: t.signIn }).click();
      await assertText(page.getByTestId('role'), format(t.roleReported, { role: 'regulator' }));

      // The curves cross where the market's own clearing puts this book.
      await page.getByRole('link', { name: t.navCurves }).click();
      await page.locator('#curves-cycle').fill(cycleId);
      await page.getByRole('button', { name: t.show }).click();
      await page.getByTestId('curves-chart').waitFor();
      const expected = clearPlainOrders(
        ORDERS.map(([, side, price, quantity], n) => ({ id: `q-${n}`, side, price, quantity })),
      );
      assert.equal(await page.getByTestId('curves-price').textContent(), String(expected.clearingPrice));
      assert.equal(await page.getByTestId('curves-volume').textContent(), String(expected.clearedQuantity));
      assert.equal(await page.locator('#curve-steps tbody tr').count(), ORDERS.length);
      // Keyboard: the clearing point is a Tab stop leading to the steps table.
      await page.getByTestId('clearing-link').focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('location.hash'), '#curve-steps');
      await check(page, 'curves', `curves-${locale}`);

      // The analysis: both tables, each CSV parsing back to the cells shown.
      await page.getByRole('link', { name: a.toAnalysis }).click();
      for (const [testId, caption] of [
        ['analysis-public', a.publicTable],
        ['analysis-private', a.privateTable],
      ] as const) {
        const table = page.getByTestId(testId);
        await table.waitFor();
        const shown: string[][] = [];
        for (const row of await table.locator('tbody tr').all()) {
          // The page shows a dash where the CSV has an empty field.
          shown.push((await row.locator('th, td').allTextContents()).map((c) => (c === '—' ? '' : c)));
        }
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 60_000 }),
          page.getByRole('button', { name: format(a.downloadCsv, { table: caption }) }).click(),
        ]);
        const [, ...rows] = parseCsv(readFileSync((await download.path())!, 'utf8'));
        assert.deepEqual(rows, shown, testId);
      }
      const deals = store().deals(cycleId, 0);
      const firstRow = await page
        .getByTestId('analysis-private')
        .locator('tbody tr')
        .first()
        .locator('td')
        .allTextContents();
      assert.equal(firstRow[0], String(deals.length));
      assert.equal(firstRow[1], String(deals.reduce((s, d) => s + d.matchedWh, 0)));
      await check(page, 'analysis', `analysis-${locale}`);
      await context.close();
    });
  }
});
