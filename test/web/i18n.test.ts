import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dictionaries, format, pickLocale } from '../../web/src/i18n/dict.js';
import { tradeDictionaries } from '../../web/src/i18n/trade-dict.js';
import { formatDuration, throughput } from '../../web/src/lib/throughput.js';
import type { BlockEvent } from '../../web/src/lib/types.js';

describe('portal language and live figures', () => {
  for (const [name, en, zh] of [
    ['portal', dictionaries.en, dictionaries['zh-CN']],
    ['trading pages', tradeDictionaries.en, tradeDictionaries['zh-CN']],
  ] as const)
    it(`has every string of the ${name} in both languages, with the same placeholders`, () => {
      assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
      const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const key of Object.keys(en)) {
        const [e, z] = [(en as Record<string, string>)[key]!, (zh as Record<string, string>)[key]!];
        assert.ok(z.length > 0, key);
        assert.deepEqual(placeholders(z), placeholders(e), key);
      }
      assert.equal(format('Block {height}', { height: 7 }), 'Block 7');
    });

  it('chooses Chinese when the browser prefers it, English otherwise', () => {
    assert.equal(pickLocale(['zh-CN', 'en-US']), 'zh-CN');
    assert.equal(pickLocale(['zh-TW']), 'zh-CN');
    assert.equal(pickLocale(['en-GB', 'zh-CN']), 'en');
    assert.equal(pickLocale(['fr-FR', 'zh']), 'zh-CN');
    assert.equal(pickLocale(['de']), 'en');
    assert.equal(pickLocale([]), 'en');
  });

  it('derives throughput from received blocks', () => {
    const at = (height: number, timestampMs: number, txCount: number, receivedAtMs: number) => ({
      block: { height, timestampMs, txCount } as BlockEvent,
      receivedAtMs,
    });
    assert.equal(throughput([]).txPerSecond, null);
    const one = throughput([at(1, 1_000, 5, 1_040)]);
    assert.deepEqual([one.blocks, one.txPerSecond, one.blockTimeLagMs], [1, null, 40]);
    // Newest first: 30 transactions in the two blocks after the oldest, arriving over 2 s.
    const three = throughput([at(3, 3_000, 10, 3_002), at(2, 2_000, 20, 2_005), at(1, 1_000, 99, 1_002)]);
    assert.equal(three.txPerSecond, 15);
    assert.equal(three.meanBlockIntervalMs, 1_000);
    assert.equal(three.blockTimeLagMs, 2);
    assert.deepEqual([850, 4_250, 600_000, 36_000_000, 95_000_000_000].map(formatDuration), [
      '850 ms',
      '4.3 s',
      '10 min',
      '10 h',
      '1100 d',
    ]);
  });
});
