/** The trading pages' strings in the portal's language. */
import { format } from './dict.js';
import { useI18n } from './i18n.js';
import { type TradeKey, tradeDictionaries } from './trade-dict.js';

export type { TradeKey } from './trade-dict.js';

export function useTradeText(): (key: TradeKey, values?: Record<string, string | number>) => string {
  const { locale } = useI18n();
  const dict = tradeDictionaries[locale];
  return (key, values) => format(dict[key], values);
}
