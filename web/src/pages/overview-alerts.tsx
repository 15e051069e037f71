import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import type { Validator } from '../lib/types.js';

/** Seconds without a block after which the overview warns that the chain may be stalled. */
export const STALL_SECONDS = 30;

export function Alerts({
  lastBlockMs,
  validators,
}: {
  lastBlockMs: number;
  validators: readonly Validator[];
}) {
  const { t } = useI18n();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const silentSeconds = Math.floor((now - lastBlockMs) / 1000);
  const messages = [
    ...(silentSeconds >= STALL_SECONDS ? [t('stalled', { seconds: silentSeconds })] : []),
    ...validators.filter((v) => !v.connected).map((v) => t('validatorDown', { index: v.index })),
  ];
  if (messages.length === 0) return null;
  return (
    <div className="alert" role="alert" data-testid="alert">
      {messages.map((m) => (
        <p key={m}>⚠ {m}</p>
      ))}
    </div>
  );
}
