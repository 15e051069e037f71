import type { MessageKey } from '../i18n/dict.js';

/** What the security check made of an interval (src/market/records.ts, INTERVAL_OUTCOMES), as shown. */
export const OUTCOME_TEXT: Record<string, MessageKey> = {
  secure: 'outcomeSecure',
  adjusted: 'outcomeAdjusted',
  rechecked: 'outcomeRechecked',
  cancelled: 'outcomeCancelled',
  gridPurchase: 'outcomeGridPurchase',
};
