import { useI18n } from '../i18n/i18n.js';
import { type Alert, alerts, ROOT_SHARD_ID } from '../lib/ops-alerts.js';
import type { MonitorState } from '../lib/ops-monitor.js';
import type { Validator } from '../lib/types.js';

type Translate = ReturnType<typeof useI18n>['t'];

export function chainName(t: Translate, shardId: number): string {
  return shardId === ROOT_SHARD_ID ? t('opsRootChain') : t('opsShardChain', { shard: shardId });
}

function message(t: Translate, alert: Alert): string {
  const chain = chainName(t, alert.shardId);
  switch (alert.kind) {
    case 'stalled':
      return t('opsStalled', { chain, seconds: alert.seconds, waiting: alert.waiting });
    case 'unreachable':
      return t('opsUnreachable', { chain, index: alert.index, seconds: alert.seconds });
    case 'behind':
      return t('opsBehindAlert', { chain, index: alert.index, blocks: alert.blocks });
    case 'isolated':
      return t('opsIsolated', { chain, index: alert.index });
    case 'disconnected':
      return t('opsDisconnected', { chain, index: alert.index });
    case 'suspended':
      return t('opsSuspendedAlert', { chain, index: alert.index, round: alert.round });
  }
}

/** The banner: what the rules of ops-alerts.ts find in the monitor's readings at `nowMs`. */
export function Alerts({
  monitor,
  network,
  nowMs,
}: {
  readonly monitor: MonitorState;
  readonly nowMs: number;
  /** The answering validator's shard and committee, with whom it is connected to. */
  readonly network: { readonly shardId: number; readonly validators: readonly Validator[] } | null;
}) {
  const { t } = useI18n();
  const found = alerts({
    nowMs: Math.max(nowMs, monitor.polledAtMs ?? 0),
    nodes: monitor.nodes,
    chains: monitor.chains,
    ...(network === null
      ? {}
      : {
          disconnected: {
            shardId: network.shardId,
            indices: network.validators.filter((v) => !v.connected).map((v) => v.index),
          },
        }),
    ...(monitor.roles === null
      ? {}
      : {
          suspended: {
            shardId: monitor.roles.shardId,
            members: monitor.roles.nodes
              .filter((n) => n.suspended)
              .map((n) => ({ index: n.index, round: n.suspension?.round ?? 0 })),
          },
        }),
  });
  if (found.length === 0) return null;
  return (
    <div className="alert" role="alert" data-testid="alert">
      {found.map((a) => (
        <p key={`${a.kind}-${a.shardId}-${'index' in a ? a.index : ''}`} data-kind={a.kind}>
          ⚠ {message(t, a)}
        </p>
      ))}
    </div>
  );
}
