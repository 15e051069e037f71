import { lazy, Suspense, useEffect, useRef } from 'react';
import type { Locale } from './i18n/dict.js';
import { useI18n } from './i18n/i18n.js';
import { BlockPage } from './pages/block.js';
import { Blocks } from './pages/blocks.js';
import { KeysPage } from './pages/keys.js';
import { MarketPage } from './pages/market.js';
import { Overview } from './pages/overview.js';
import { StatePage } from './pages/state.js';
import { TransactionPage } from './pages/transaction.js';
import { Link, usePath } from './router.js';

// The role views load on first visit, so the overview's first load stays small.
const GridPage = lazy(() => import('./pages/grid.js').then((m) => ({ default: m.GridPage })));
const TracePage = lazy(() => import('./pages/trace.js').then((m) => ({ default: m.TracePage })));
const CurvesPage = lazy(() => import('./pages/curves.js').then((m) => ({ default: m.CurvesPage })));
const AnalysisPage = lazy(() => import('./pages/analysis.js').then((m) => ({ default: m.AnalysisPage })));
const TradingPage = lazy(() => import('./pages/trading.js').then((m) => ({ default: m.TradingPage })));
// So do the members' own trading pages (access application, quotations).
const AccessPage = lazy(() => import('./pages/access.js').then((m) => ({ default: m.AccessPage })));
const QuotesPage = lazy(() => import('./pages/quotes.js').then((m) => ({ default: m.QuotesPage })));

function page(path: string) {
  const url = new URL(path, location.origin);
  const p = url.pathname;
  const block = /^\/blocks\/(\d{1,15})$/.exec(p);
  if (block) return { section: '/blocks', view: <BlockPage height={Number(block[1])} /> };
  const tx = /^\/tx\/([0-9a-f]{64})$/.exec(p);
  if (tx) return { section: '/blocks', view: <TransactionPage hash={tx[1]!} /> };
  if (p === '/blocks') return { section: '/blocks', view: <Blocks /> };
  if (p === '/state')
    return { section: '/state', view: <StatePage initialKey={url.searchParams.get('key') ?? ''} /> };
  if (p === '/keys') return { section: '/keys', view: <KeysPage /> };
  if (p === '/market')
    return { section: '/market', view: <MarketPage initialCycle={url.searchParams.get('cycle') ?? ''} /> };
  const q = (name: string) => url.searchParams.get(name) ?? '';
  if (p === '/grid')
    return {
      section: '/grid',
      view: <GridPage initialCycle={q('cycle')} initialInterval={q('interval')} key={url.search} />,
    };
  if (p === '/trace') return { section: '/trace', view: <TracePage initialTx={q('tx')} key={url.search} /> };
  if (p === '/access') return { section: '/access', view: <AccessPage /> };
  if (p === '/quotes')
    return { section: '/quotes', view: <QuotesPage initialCycle={q('cycle')} key={url.search} /> };
  if (p === '/trading')
    return { section: '/trading', view: <TradingPage initialCycle={q('cycle')} key={url.search} /> };
  if (p === '/curves')
    return {
      section: '/curves',
      view: <CurvesPage initialCycle={q('cycle')} initialInterval={q('interval')} key={url.search} />,
    };
  if (p === '/analysis')
    return { section: '/analysis', view: <AnalysisPage initialCycle={q('cycle')} key={url.search} /> };
  return { section: '/', view: <Overview /> };
}

export function App() {
  const { t, locale, setLocale } = useI18n();
  const path = usePath();
  const { section, view } = page(path);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a page change, focus moves to the new content, as a full page load would.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each change of path
  useEffect(() => {
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);
  useEffect(() => {
    document.title = t('appName');
  }, [t]);

  const nav: [string, string][] = [
    ['/', t('navOverview')],
    ['/blocks', t('navExplorer')],
    ['/state', t('navState')],
    ['/keys', t('navKeys')],
    ['/market', t('navMarket')],
    ['/access', t('navAccess')],
    ['/quotes', t('navQuotes')],
    ['/trading', t('navTrading')],
    ['/curves', t('navCurves')],
    ['/analysis', t('navAnalysis')],
    ['/grid', t('navGrid')],
    ['/trace', t('navTrace')],
  ];
  return (
    <>
      <a className="skip" href="#main">
        {t('skipToContent')}
      </a>
      <header className="top">
        <span className="brand">{t('appName')}</span>
        <nav aria-label={t('mainNav')}>
          <ul>
            {nav.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={section === href ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <label className="lang">
          <span>{t('language')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
            <option value="zh-CN" lang="zh-CN">
              中文
            </option>
            <option value="en" lang="en">
              English
            </option>
          </select>
        </label>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p aria-busy="true">{t('loading')}</p>}>{view}</Suspense>
      </main>
    </>
  );
}
