import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadHighs } from '../../src/grid/highs.js';
import { decodeMarketPayload, MARKET_ACTION_TYPES } from '../../src/market/actions.js';
import { chainApplication } from '../../src/market/grid-plugins.js';
import { ACTION_TYPES } from '../../web/src/lib/market-action.js';
import { marketPayload, type OwnAction } from '../../web/src/lib/market-tx.js';
import {
  ACTIONS_NOT_IN_PORTAL,
  PORTAL_ACTIONS,
  PORTAL_TRANSACTION_TYPES,
  TRANSACTION_TYPES_NOT_IN_PORTAL,
} from '../../web/src/lib/portal-actions.js';
import { startTestApi, type TestApi } from '../api/harness.js';

// The portal never offers a write the node lacks, and every member action of the chain is either
// offered by the portal or excluded with a reason that the user guide repeats: the portal's
// catalogue (web/src/lib/portal-actions.ts) against the market's own action list, the chain's
// transaction kinds, and the node's OpenAPI document.

const root = fileURLToPath(new URL('../..', import.meta.url));
const quote = {
  side: 'sell',
  mode: 'direct',
  project: 0,
  curves: [{ interval: 0, steps: [{ pricePerKwh: 400, energyWh: 1000 }] }],
} as const;
const commitment = new Uint8Array(32).fill(7);

/** One action of every kind the portal signs; the compiler holds the keys to `OwnAction`. */
const SAMPLES: { [K in OwnAction['type']]: Extract<OwnAction, { type: K }> } = {
  register: {
    type: 'register',
    role: 'user',
    name: 'Mall',
    bus: 14,
    voltageKv: 10,
    maxLoadKw: 600,
    projects: [],
  },
  commitQuote: { type: 'commitQuote', cycleId: 'c', quoteId: 'q', commitment },
  submitQuote: { type: 'submitQuote', cycleId: 'c', quoteId: 'q', quote },
  amendQuote: { type: 'amendQuote', cycleId: 'c', quoteId: 'q', commitment: null, quote },
  withdrawQuote: { type: 'withdrawQuote', cycleId: 'c', quoteId: 'q' },
  revealQuote: { type: 'revealQuote', cycleId: 'c', quoteId: 'q', quote, salt: new Uint8Array(32) },
  advanceCycle: { type: 'advanceCycle', cycleId: 'c' },
  acceptContracts: { type: 'acceptContracts', cycleId: 'c', contractIds: ['c/0', 'c/1'] },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('the portal’s write actions and the node', () => {
  let t: TestApi;
  let openapi: { paths: Record<string, Record<string, unknown>> };

  before(async () => {
    t = await startTestApi();
    openapi = (await t.api.inject('/openapi.json')).json();
  });
  after(() => t.close());

  it('offers only market actions the chain executes, encoded as the chain decodes them', () => {
    const chain = new Set<string>(MARKET_ACTION_TYPES);
    assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(PORTAL_ACTIONS).sort());
    for (const [type, sample] of Object.entries(SAMPLES)) {
      assert.ok(chain.has(type), `the portal offers ${type}, which the chain lacks`);
      assert.equal(decodeMarketPayload(marketPayload(sample)).type, type);
    }
    // The portal's tag table, which its decoder and encoder share, is the chain's.
    assert.deepEqual([...ACTION_TYPES], [...MARKET_ACTION_TYPES]);
  });

  it('offers or excludes with a reason every market action of the chain, and nothing else', () => {
    const offered = Object.keys(PORTAL_ACTIONS);
    const excluded = Object.keys(ACTIONS_NOT_IN_PORTAL);
    assert.deepEqual(
      offered.filter((a) => excluded.includes(a)),
      [],
      'an action is both offered and excluded',
    );
    assert.deepEqual([...offered, ...excluded].sort(), [...MARKET_ACTION_TYPES].sort());
    for (const [action, reason] of Object.entries(ACTIONS_NOT_IN_PORTAL))
      assert.ok(reason.length >= 20, `${action}: a reason, please`);
  });

  it('signs only transaction kinds the chain executes, and names the others', async () => {
    const kinds = chainApplication(await loadHighs()).types;
    for (const kind of PORTAL_TRANSACTION_TYPES) assert.ok(kinds.includes(kind), kind);
    assert.deepEqual(
      [...PORTAL_TRANSACTION_TYPES, ...Object.keys(TRANSACTION_TYPES_NOT_IN_PORTAL)].sort(),
      [...kinds].sort(),
    );
  });

  it('writes only through POST routes of the node’s OpenAPI document', () => {
    const posts = new Set<string>();
    for (const file of sourceFiles(join(root, 'web/src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/api\.post(?:<[^(]*>)?\(\s*'([^']+)'/g))
        posts.add(m[1]!);
    }
    // Registration and quotations go through the submission route; sessions through the auth pair.
    assert.deepEqual([...posts].sort(), ['/api/v1/auth/challenge', '/api/v1/auth/session', '/api/v1/tx']);
    for (const path of posts)
      assert.ok(openapi.paths[path]?.post !== undefined, `POST ${path} is not documented`);
  });

  it('lists every action, offered or excluded, in the user guide', () => {
    const guide = readFileSync(join(root, 'docs/USER-GUIDE.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## Actions the portal signs'));
    assert.ok(section.length > 0 && guide.includes('## Actions the portal signs'));
    const end = section.indexOf('\n## ', 4);
    const text = end < 0 ? section : section.slice(0, end);
    for (const action of [...MARKET_ACTION_TYPES, ...Object.keys(TRANSACTION_TYPES_NOT_IN_PORTAL)])
      assert.ok(text.includes(`\`${action}\``), `${action} is not in the user guide's list`);
  });
});
