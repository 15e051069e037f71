/**
 * Debian's Chromium driven by playwright-core (no browser download): found at /usr/bin/chromium or
 * GRIDSHARD_CHROMIUM; when absent the browser tests skip and say why.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';

export const CHROMIUM = process.env.GRIDSHARD_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM)
    ? false
    : `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set GRIDSHARD_CHROMIUM; browser tests skipped`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // playwright gives every launch a fresh profile directory of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  // A string, evaluated in the page: the test's own TypeScript knows no DOM.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Waits until `locator` shows `expected` (live pages update after the first paint). */
export async function assertText(locator: Locator, expected: string) {
  for (let i = 0; i < 200; i++) {
    const text = (await locator.textContent({ timeout: 10_000 })) ?? '';
    if (text.includes(expected)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`"${await locator.textContent()}" never showed "${expected}"`);
}
