import { useEffect, useState } from 'react';
import { Field, Fields, formatTime, HashText, Loaded } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { useBlockStream } from '../lib/block-stream.js';
import { useOpsMonitor } from '../lib/ops-monitor.js';
import { formatDuration, throughput } from '../lib/throughput.js';
import type { Network, Status } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Alerts } from './overview-alerts.js';
import { MinutePanel } from './overview-live.js';
import { NodesPanel } from './overview-nodes.js';
import { ShardsPanel } from './overview-shards.js';

const REFRESH_MS = 5_000;

/** A counter that moves every few seconds, so peers and mempool are re-read between blocks. */
function useTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  return tick;
}

/** The wall clock, re-read every second, for the figures of the last minute and the alerts. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function Overview() {
  const { t, locale } = useI18n();
  const tick = useTick();
  const now = useNow();
  const stream = useBlockStream();
  const monitor = useOpsMonitor();
  // Each new block, and each tick, re-reads status and network.
  const head = stream.blocks[0]?.block.hash;
  const status = useAsync(() => api.get<Status>('/api/v1/status'), [tick, head], true);
  const network = useAsync(() => api.get<Network>('/api/v1/network'), [tick, head], true);
  const figures = throughput(stream.blocks);

  return (
    <>
      <h1>{t('overviewTitle')}</h1>
      <p className="intro">{t('overviewIntro')}</p>
      <Alerts monitor={monitor} network={network.state === 'done' ? network.value : null} nowMs={now} />
      <p className={stream.live ? 'live on' : 'live off'} aria-live="polite">
        {stream.live ? t('liveOn') : t('liveOff')}
      </p>
      <div className="grid">
        <section aria-labelledby="chain-h" className="card">
          <h2 id="chain-h">{t('chain')}</h2>
          <Loaded result={status}>
            {(s) => (
              <>
                <Fields>
                  <Field name={t('chainId')}>{s.chainId}</Field>
                  <Field name={t('shard')}>{s.shardId}</Field>
                  <Field name={t('height')}>
                    <span data-testid="height">{s.height}</span>
                  </Field>
                  <Field name={t('headHash')}>
                    <HashText value={s.headHash} />
                  </Field>
                  <Field name={t('stateRoot')}>
                    <HashText value={s.stateRoot} />
                  </Field>
                  <Field name={t('blockTime')}>{formatTime(s.timestampMs, locale)}</Field>
                  <Field name={t('consensusSequence')}>{s.consensusSequence}</Field>
                  <Field name={t('mempool')}>{s.mempoolSize}</Field>
                  <Field name={t('peers')}>{s.peers.length === 0 ? t('none') : s.peers.join(', ')}</Field>
                </Fields>
                <p className="note">{t('servedBy', { index: s.validatorIndex })}</p>
              </>
            )}
          </Loaded>
        </section>
        <section aria-labelledby="tp-h" className="card">
          <h2 id="tp-h">{t('throughput')}</h2>
          <Fields>
            <Field name={t('blocksSeen')}>{figures.blocks}</Field>
            <Field name={t('txPerSecond')}>
              {figures.txPerSecond === null ? t('noBlocksYet') : figures.txPerSecond.toFixed(1)}
            </Field>
            <Field name={t('blockInterval')}>
              {figures.meanBlockIntervalMs === null
                ? t('noBlocksYet')
                : formatDuration(figures.meanBlockIntervalMs)}
            </Field>
            <Field name={t('blockTimeLag')}>
              {figures.blockTimeLagMs === null ? t('noBlocksYet') : formatDuration(figures.blockTimeLagMs)}
            </Field>
          </Fields>
          <p className="note">{t('throughputNote')}</p>
        </section>
        <MinutePanel
          arrivals={stream.arrivals}
          openedAtMs={stream.openedAtMs}
          latency={monitor.latency}
          nowMs={now}
        />
      </div>
      <NodesPanel monitor={monitor} nowMs={now} />
      <ShardsPanel tick={tick} />
      <section aria-labelledby="val-h">
        <h2 id="val-h">
          {t('validators', { shard: network.state === 'done' ? network.value.shardId : '…' })}
        </h2>
        <Loaded result={network}>
          {(n) => (
            <div className="table-wrap">
              <table data-testid="validators">
                <thead>
                  <tr>
                    <th scope="col">{t('index')}</th>
                    <th scope="col">{t('publicKey')}</th>
                    <th scope="col">{t('address')}</th>
                    <th scope="col">{t('role')}</th>
                    <th scope="col">{t('connected')}</th>
                  </tr>
                </thead>
                <tbody>
                  {n.validators.map((v) => (
                    <tr key={v.index}>
                      <td>{v.index}</td>
                      <td>
                        <HashText value={v.publicKey} />
                      </td>
                      <td>
                        <code>{v.address}</code>
                      </td>
                      <td>{v.role}</td>
                      <td className={v.connected ? 'good' : 'bad'}>
                        {v.connected ? t('connected') : t('disconnected')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loaded>
      </section>
    </>
  );
}
