/** The analysis pages' strings in the portal's language. */
import { type AnalysisKey, analysisDictionaries } from './analysis-dict.js';
import { format } from './dict.js';
import { useI18n } from './i18n.js';

export type { AnalysisKey } from './analysis-dict.js';

export function useAnalysisText(): (key: AnalysisKey, values?: Record<string, string | number>) => string {
  const { locale } = useI18n();
  const dict = analysisDictionaries[locale];
  return (key, values) => format(dict[key], values);
}
