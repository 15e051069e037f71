import { HashText } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { ApiError, api } from '../lib/api.js';
import { useAsync } from '../lib/use-async.js';

interface ShardingView {
  readonly role: string;
  readonly cycle: number;
  readonly shards: readonly {
    readonly shardId: number;
    readonly validators: readonly string[];
    readonly masters: readonly number[];
    readonly rootHeight?: number;
    readonly rootBlockHash?: string;
  }[];
}

/**
 * The sharded system as the root chain records it: each zone shard, the last of its blocks a root
 * block holds (final with every block below it), and the master of the current cycle. Nothing is
 * shown on a chain that is not part of a sharded system.
 */
export function ShardsPanel({ tick }: { readonly tick: number }) {
  const { t } = useI18n();
  const view = useAsync(
    () =>
      api.get<ShardingView>('/api/v1/sharding').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [tick],
    true,
  );
  if (view.state !== 'done' || view.value === null) return null;
  const { role, cycle, shards } = view.value;
  return (
    <section aria-labelledby="shards-h">
      <h2 id="shards-h">{t('shardsTitle', { cycle })}</h2>
      <p className="note">{role === 'root' ? t('shardsRootNote') : t('shardsZoneNote')}</p>
      <div className="table-wrap">
        <table data-testid="shards">
          <thead>
            <tr>
              <th scope="col">{t('shard')}</th>
              <th scope="col">{t('shardValidators')}</th>
              <th scope="col">{t('shardMaster')}</th>
              <th scope="col">{t('shardRootHeight')}</th>
              <th scope="col">{t('shardRootBlock')}</th>
            </tr>
          </thead>
          <tbody>
            {shards.map((s) => (
              <tr key={s.shardId}>
                <td>{s.shardId}</td>
                <td>{s.validators.length}</td>
                <td>{s.masters[0] ?? '—'}</td>
                <td>{s.rootHeight ?? '—'}</td>
                <td>{s.rootBlockHash === undefined ? '—' : <HashText value={s.rootBlockHash} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
