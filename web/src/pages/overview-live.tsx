import { Field, Fields } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import type { LatencyReading } from '../lib/latency.js';
import { latencyOver } from '../lib/latency.js';
import { LATENCY_WINDOW_MS } from '../lib/ops-monitor.js';
import { type Arrival, formatDuration, recentThroughput } from '../lib/throughput.js';

const W = 240;
const H = 48;

/** Transactions per slice as bars, oldest at the left; the label carries the same figures. */
function Slices({ slices, label }: { readonly slices: readonly number[]; readonly label: string }) {
  const max = Math.max(1, ...slices);
  const step = W / slices.length;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart sparkline" role="img" aria-label={label}>
      {slices.map((n, i) => (
        <rect
          // biome-ignore lint/suspicious/noArrayIndexKey: a slice is its position in the window
          key={i}
          x={i * step + 1}
          width={step - 2}
          y={H - (H * n) / max}
          height={(H * n) / max}
          className="bar"
        />
      ))}
    </svg>
  );
}

/** Throughput and commit latency over the last minute, re-computed each second. */
export function MinutePanel({
  arrivals,
  openedAtMs,
  latency,
  nowMs,
}: {
  readonly arrivals: readonly Arrival[];
  readonly openedAtMs: number;
  readonly latency: readonly LatencyReading[];
  readonly nowMs: number;
}) {
  const { t } = useI18n();
  const recent = recentThroughput(arrivals, nowMs, openedAtMs);
  const commit = latencyOver(latency, nowMs, LATENCY_WINDOW_MS);
  const p95 = commit.p95;
  return (
    <section aria-labelledby="minute-h" className="card" data-testid="minute">
      <h2 id="minute-h">{t('opsMinuteTitle')}</h2>
      <Fields>
        <Field name={t('opsTxPerSecondMinute')}>
          <span data-testid="tps-minute">{recent.txPerSecond.toFixed(1)}</span>
        </Field>
        <Field name={t('opsBlocksMinute')}>{recent.blocks}</Field>
        <Field name={t('opsTransactionsMinute')}>
          <span data-testid="tx-minute">{recent.transactions}</span>
        </Field>
        <Field name={t('opsLatencyMean')}>
          <span data-testid="latency-mean">
            {commit.meanMs === null ? t('opsLatencyNone') : formatDuration(commit.meanMs)}
          </span>
        </Field>
        <Field name={t('opsLatencyP95')}>
          {p95 === null
            ? t('opsLatencyNone')
            : p95.within
              ? formatDuration(p95.boundMs)
              : t('opsLatencyOver', { duration: formatDuration(p95.boundMs) })}
        </Field>
        <Field name={t('opsLatencyCount')}>{commit.count}</Field>
      </Fields>
      <Slices slices={recent.slices} label={t('opsSlicesLabel', { values: recent.slices.join(', ') })} />
      <p className="note">{t('opsMinuteNote')}</p>
    </section>
  );
}
