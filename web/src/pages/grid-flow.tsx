/** The grid page's power-flow parts: which flow is drawn, what it is, and the limits it breaks. */
import { useI18n } from '../i18n/i18n.js';
import type { Flow, FlowRead, FlowViolation } from '../lib/power-flow.js';

export type FlowChoice = 'asMatched' | 'afterCheck';

export function FlowChooser({ value, onChange }: { value: FlowChoice; onChange: (c: FlowChoice) => void }) {
  const { t } = useI18n();
  return (
    <fieldset className="inline-form" data-testid="flow-choice">
      <legend>{t('flowView')}</legend>
      {(['asMatched', 'afterCheck'] as const).map((choice) => (
        <label key={choice} className="check">
          <input
            type="radio"
            name="flow-choice"
            value={choice}
            checked={value === choice}
            onChange={() => onChange(choice)}
          />
          {t(choice === 'asMatched' ? 'flowAsMatched' : 'flowAfterCheck')}
        </label>
      ))}
    </fieldset>
  );
}

export function FlowNote({ read, flow }: { read: FlowRead; flow: Flow | null }) {
  const { t } = useI18n();
  if (read.kind === 'private') return <p className="note">{t('flowPrivate')}</p>;
  if (read.kind === 'none') return <p className="note">{t('flowNone', { detail: read.detail })}</p>;
  return (
    <>
      <p className="note" data-testid="flow-note">
        {t('flowNote', { height: read.answer.height })}
      </p>
      {flow !== null && flow.substationKva !== null && (
        <p data-testid="flow-summary">
          {t('flowSummary', {
            kva: Math.round(flow.substationKva),
            cap: Math.round(flow.substationCapacityKva),
            loss: (flow.lossKw ?? 0).toFixed(1),
          })}
        </p>
      )}
    </>
  );
}

function useViolationText() {
  const { t } = useI18n();
  return (v: FlowViolation): string => {
    switch (v.kind) {
      case 'branch-thermal':
        return t('violationLine', {
          from: v.from ?? '',
          to: v.to ?? '',
          kva: Math.round(v.flowKva ?? 0),
          limit: Math.round(v.limitKva ?? 0),
          pct: (((v.flowKva ?? 0) / (v.limitKva || 1)) * 100).toFixed(1),
        });
      case 'voltage-low':
      case 'voltage-high':
        return t(v.kind === 'voltage-low' ? 'violationLow' : 'violationHigh', {
          bus: v.bus ?? '',
          vm: (v.vmPu ?? 0).toFixed(4),
          limit: v.limitPu ?? '',
        });
      case 'substation-capacity':
        return t('violationSubstation', {
          bus: v.bus ?? '',
          kva: Math.round(v.flowKva ?? 0),
          limit: Math.round(v.limitKva ?? 0),
        });
      default:
        return t('violationNotConverged', { message: v.message ?? v.key });
    }
  };
}

export function FlowViolations({ flow }: { flow: Flow }) {
  const { t } = useI18n();
  const text = useViolationText();
  return (
    <section aria-labelledby="violations-h">
      <h2 id="violations-h">{t('violationsTitle')}</h2>
      <ul data-testid="flow-violations">
        {flow.violations.length === 0 ? (
          <li>{t('none')}</li>
        ) : (
          flow.violations.map((v) => (
            <li key={v.key} data-key={v.key}>
              {text(v)}
            </li>
          ))
        )}
      </ul>
    </section>
  );
}
