import { useI18n } from '../i18n/i18n.js';
import { DEFAULT_RULES, highestHeights } from '../lib/ops-alerts.js';
import { type MonitorState, POLL_MS } from '../lib/ops-monitor.js';
import { chainName } from './overview-alerts.js';

/**
 * Every validator the monitor reads, chain by chain: its height and how far it is behind the
 * highest of its chain, its peers, its mempool, whether it answers, and for the answering chain its
 * role and credit (running, and the last cycle's score in brackets) as that chain records them.
 */
export function NodesPanel({ monitor, nowMs }: { readonly monitor: MonitorState; readonly nowMs: number }) {
  const { t } = useI18n();
  const { targets, nodes, roles } = monitor;
  const best = highestHeights(nodes);
  return (
    <section aria-labelledby="nodes-h">
      <h2 id="nodes-h">{t('opsNodesTitle')}</h2>
      <p className="note">{t('opsNodesNote', { seconds: POLL_MS / 1000 })}</p>
      {targets === null || targets.length === 0 ? (
        <p aria-busy={targets === null}>{targets === null ? t('loading') : t('opsNoValidators')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="nodes">
            <thead>
              <tr>
                <th scope="col">{t('opsChain')}</th>
                <th scope="col">{t('opsValidator')}</th>
                <th scope="col">{t('opsApi')}</th>
                <th scope="col">{t('height')}</th>
                <th scope="col">{t('opsBehind')}</th>
                <th scope="col">{t('opsPeers')}</th>
                <th scope="col">{t('opsWaiting')}</th>
                <th scope="col">{t('opsRole')}</th>
                <th scope="col">{t('opsCredit')}</th>
                <th scope="col">{t('opsState')}</th>
              </tr>
            </thead>
            <tbody>
              {targets.map((target, i) => {
                const node = nodes[i];
                const member =
                  roles?.shardId === target.shardId
                    ? roles.nodes.find((n) => n.index === target.index)
                    : undefined;
                const last = node?.last ?? null;
                const failing = node?.failingSinceMs ?? null;
                const behind = last === null ? null : (best.get(target.shardId) ?? last.height) - last.height;
                const state =
                  failing !== null
                    ? t('opsUnreachableFor', { seconds: Math.max(0, Math.floor((nowMs - failing) / 1000)) })
                    : last === null
                      ? t('opsNotRead')
                      : t('opsAnswering');
                return (
                  <tr
                    key={`${target.shardId}-${target.index}`}
                    data-shard={target.shardId}
                    data-index={target.index}
                    data-state={failing !== null ? 'unreachable' : last === null ? 'unread' : 'answering'}
                  >
                    <td>{chainName(t, target.shardId)}</td>
                    <td>
                      {target.index}
                      {target.self ? ` (${t('opsThisNode')})` : ''}
                    </td>
                    <td>
                      <code>{target.api}</code>
                    </td>
                    <td data-testid="node-height">{last?.height ?? '—'}</td>
                    <td
                      className={behind !== null && behind > DEFAULT_RULES.behindBlocks ? 'bad' : undefined}
                    >
                      {behind ?? '—'}
                    </td>
                    <td
                      className={
                        last !== null && target.committee > 1 && last.peers === 0 ? 'bad' : undefined
                      }
                    >
                      {last === null ? '—' : `${last.peers} / ${target.committee - 1}`}
                    </td>
                    <td>{last?.mempoolSize ?? '—'}</td>
                    <td>
                      {member === undefined
                        ? '—'
                        : t(member.suspended ? 'opsRoleSuspended' : 'opsRoleVerification')}
                    </td>
                    <td data-testid="node-credit" className={member?.suspended ? 'bad' : undefined}>
                      {member === undefined
                        ? '—'
                        : `${(member.credit / 100).toFixed(1)} %${member.cycleScore === null ? '' : ` (${(member.cycleScore / 100).toFixed(1)} %)`}`}
                    </td>
                    <td className={failing !== null ? 'bad' : last === null ? undefined : 'good'}>{state}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
