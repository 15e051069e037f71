import { useState } from 'react';
import { formatTime, HashText, Loaded } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { useBlockStream } from '../lib/block-stream.js';
import type { Block, Status } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link, navigate } from '../router.js';

const SHOWN = 12;

async function latest(knownHead: number): Promise<Block[]> {
  const head = Math.max(knownHead, (await api.get<Status>('/api/v1/status')).height);
  const heights = Array.from({ length: Math.min(SHOWN, head + 1) }, (_, i) => head - i);
  return Promise.all(heights.map((h) => api.get<Block>(`/api/v1/blocks/${h}`)));
}

export function Blocks() {
  const { t, locale } = useI18n();
  const stream = useBlockStream();
  const streamHead = stream.blocks[0]?.block.height ?? 0;
  const blocks = useAsync(() => latest(streamHead), [streamHead], true);
  const [height, setHeight] = useState('');

  return (
    <>
      <h1>{t('explorerTitle')}</h1>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (/^\d+$/.test(height)) navigate(`/blocks/${Number(height)}`);
        }}
      >
        <label htmlFor="go-height">{t('goToBlock')}</label>
        <input
          id="go-height"
          inputMode="numeric"
          pattern="[0-9]*"
          value={height}
          onChange={(e) => setHeight(e.target.value.trim())}
        />
        <button type="submit">{t('open')}</button>
      </form>
      <section aria-labelledby="latest-h">
        <h2 id="latest-h">{t('latestBlocks')}</h2>
        <Loaded result={blocks}>
          {(list) => (
            <div className="table-wrap">
              <table data-testid="blocks">
                <thead>
                  <tr>
                    <th scope="col">{t('height')}</th>
                    <th scope="col">{t('time')}</th>
                    <th scope="col">{t('txCount')}</th>
                    <th scope="col">{t('hash')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((b) => (
                    <tr key={b.hash}>
                      <td>
                        <Link href={`/blocks/${b.height}`}>{b.height}</Link>
                      </td>
                      <td>{formatTime(b.timestampMs, locale)}</td>
                      <td>{b.txCount}</td>
                      <td>
                        <HashText value={b.hash} />
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
