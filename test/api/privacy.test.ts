import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { PRIVATE_PREFIXES, PUBLIC_PREFIX_REASONS, visibilityOf } from '../../src/api/privacy.js';
import { Writer } from '../../src/codec/index.js';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { verifyStateProof } from '../../src/ledger/sparse-merkle.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { type Contract, contractListRecord, type Deal, type Role } from '../../src/market/records.js';
import { MARKET_KEY_PREFIX } from '../../src/market/store.js';
import { enc, openSession, startTestApi, type TestApi } from './harness.js';

const seeds = {
  generator: sha256(enc('privacy generator')),
  user: sha256(enc('privacy user')),
  gridEnterprise: sha256(enc('privacy grid enterprise')),
  regulator: sha256(enc('privacy regulator')),
  outsider: sha256(enc('privacy outsider')),
  pendingRegulator: sha256(enc('privacy pending regulator')),
};
type Who = keyof typeof seeds;
const keyOf = (who: Who) => ed25519Scheme.publicKeyFromSeed(seeds[who]);
const hexOf = (who: Who) => toHex(keyOf(who));

/** Numbers found nowhere else in the chain: if one shows up in an answer, a private record leaked. */
const PLANTED = {
  sellerPrice: 4_818_181,
  buyerPrice: 5_151_515,
  fee: 3_737_373,
  contractPrice: 4_828_282,
  penalty: 3_929_292,
  subsidy: 3_121_212,
  quotePrice: 4_999_999,
  meterReadings: [7_314_159, 7_426_535],
  meteredWh: 14_740_694,
  statementNet: -918_273_645,
  lineAmount: 6_272_727,
  balance: 8_675_309_123n,
  matchedWh: 2_468_013,
  quotedWh: 2_579_024,
};
const PLANTED_TEXT = ['PLANTED-liability-reason', 'PLANTED-contract-terms', 'PLANTED-rejection-reason'];

function plantedStrings(): string[] {
  const numbers = [
    ...Object.values(PLANTED).flatMap((v) => (Array.isArray(v) ? v : [v])),
    -PLANTED.statementNet,
  ];
  const out = [...PLANTED_TEXT];
  for (const n of numbers) {
    out.push(String(n));
    // As the state encodes them: a leak of raw bytes shows these in hex.
    if (typeof n === 'number' && n > 0) out.push(toHex(new Writer(8).varuint(n).finish()));
  }
  return out;
}

function contractOf(generator: Uint8Array, user: Uint8Array, gridEnterprise: Uint8Array): Contract {
  return {
    contractId: 'c1/0/0',
    cycleId: 'c1',
    deal: 0,
    mode: 'direct',
    generator,
    user,
    gridEnterprise,
    interval: 0,
    termStartMs: 1_700_000_900_000,
    termEndMs: 1_700_001_800_000,
    energyWh: 1000,
    pricePerKwh: PLANTED.contractPrice,
    crossingFeePerKwh: PLANTED.fee,
    subsidyPerKwh: PLANTED.subsidy,
    breachLiabilityBps: 500,
    toleranceBps: 300,
    penaltyPerKwh: PLANTED.penalty,
    adjustmentReason: PLANTED_TEXT[1]!,
    acceptances: [],
    status: 'binding',
    statusReason: '',
  };
}

describe('Private market data through the API', () => {
  let t: TestApi;
  let port: number;
  let seeded: { keys: string[]; block: StoredBlock };
  /** Private keys (hex) written by the seed block and the raw value each holds. */
  const privateValues = new Map<string, string>();
  const publicKeys: string[] = [];
  const tokens: Partial<Record<Who, string>> = {};

  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 100_000, authRateLimitPerSecond: 1000 });
    port = Number(new URL(await t.api.listen({ host: '127.0.0.1', port: 0 })).port);
    const roles: [Who, Role, 'approved' | 'pending'][] = [
      ['generator', 'generator', 'approved'],
      ['user', 'user', 'approved'],
      ['gridEnterprise', 'gridEnterprise', 'approved'],
      ['regulator', 'regulator', 'approved'],
      ['outsider', 'user', 'approved'],
      ['pendingRegulator', 'regulator', 'pending'],
    ];
    for (const [who, role, status] of roles) t.node.setMember(keyOf(who), role, status);

    const [g, u, e] = [keyOf('generator'), keyOf('user'), keyOf('gridEnterprise')];
    const deal: Deal = {
      round: 0,
      interval: 0,
      mode: 'direct',
      seller: g,
      project: 0,
      buyer: u,
      matchedWh: 1000,
      energyWh: 1000,
      adjustmentReason: '',
      sellerPricePerKwh: PLANTED.sellerPrice,
      buyerPricePerKwh: PLANTED.buyerPrice,
      feePerKwh: PLANTED.fee,
    };
    seeded = await t.node.commitMarket((market) => {
      market.setCycle({
        cycleId: 'c1',
        state: 'settled',
        round: 0,
        intervals: 1,
        intervalMs: 900_000,
        deliveryStartMs: 1_700_000_900_000,
        gateClosureMs: 1_700_000_600_000,
        gridEnterprise: e,
        openedAtHeight: 0,
        stateSinceMs: 1_700_000_000_000,
        reasonCode: '',
        reason: '',
      });
      market.setSummary('c1', 0, 0, { clearingPricePerKwh: 450, volumeWh: 1000, participants: 2 });
      market.setQuote('c1', g, 'q-g', {
        round: 0,
        commitment: null,
        quote: {
          side: 'sell',
          mode: 'direct',
          project: 0,
          curves: [{ interval: 0, steps: [{ pricePerKwh: PLANTED.quotePrice, energyWh: 1000 }] }],
        },
        withdrawn: false,
      });
      market.setMatchedWh('c1', g, 0, [PLANTED.matchedWh]);
      market.setQuotedWh('c1', 0, u, 0, [PLANTED.quotedWh]);
      market.setDeals('c1', 0, [deal]);
      market.setContracts('c1', 0, [contractOf(g, u, e)]);
      market.setAwaiting('c1', e, [{ deal: 0, interval: 0, roles: 4, missing: 4 }]);
      market.setMeterWh('c1', u, PLANTED.meterReadings);
      market.addMeterRejection('c1', {
        participant: u,
        interval: 0,
        signer: e,
        code: 'UNBOUND_METER',
        reason: PLANTED_TEXT[2]!,
      });
      market.setBalance(u, PLANTED.balance);
      market.addStatement({
        cycleId: 'c1',
        member: u,
        contractedWh: 1000,
        meteredWh: PLANTED.meteredWh,
        deviationWh: 0,
        penalisedWh: 0,
        lines: [{ kind: 'energyPurchase', energyWh: 1000, amount: BigInt(PLANTED.lineAmount) }],
        net: BigInt(PLANTED.statementNet),
        liabilities: [
          {
            contractId: 'c1/0/0',
            interval: 0,
            counterparty: g,
            code: 'NON_CONSUMPTION',
            energyWh: 10,
            amount: -5n,
            reason: PLANTED_TEXT[0]!,
          },
        ],
      });
    });
    const view = t.node.store.committed;
    for (const key of seeded.keys) {
      if (PRIVATE_PREFIXES.includes(fromHex(key)[0]!))
        privateValues.set(key, toHex(view.getState(fromHex(key))!));
      else publicKeys.push(key);
    }
    for (const who of [
      'user',
      'generator',
      'gridEnterprise',
      'regulator',
      'outsider',
      'pendingRegulator',
    ] as const) {
      const opened = await openSession(t.api, seeds[who]);
      assert.equal(opened.status, 200);
      tokens[who] = opened.body.token as string;
    }
  });
  after(() => t?.close());

  const keyOfPrefix = (prefix: number, owner?: Who) =>
    [...privateValues.keys()].find(
      (k) =>
        k.startsWith(prefix.toString(16).padStart(2, '0')) &&
        (owner === undefined || k.includes(hexOf(owner))),
    )!;

  it('classifies every market record kind as private or public with a reason', () => {
    for (const [name, prefix] of Object.entries(MARKET_KEY_PREFIX)) {
      const isPrivate = PRIVATE_PREFIXES.includes(prefix);
      const isPublic = PUBLIC_PREFIX_REASONS.has(prefix);
      assert.ok(
        isPrivate !== isPublic,
        `prefix ${name} (0x${prefix.toString(16)}) must be exactly one of private or public`,
      );
    }
    assert.equal(
      PRIVATE_PREFIXES.length + PUBLIC_PREFIX_REASONS.size,
      Object.keys(MARKET_KEY_PREFIX).length,
      'no rule for a prefix the market does not have',
    );
  });

  it('covers every private record kind the market writes', () => {
    const prefixes = new Set([...privateValues.keys()].map((k) => fromHex(k)[0]));
    assert.deepEqual(
      [...prefixes].sort((a, b) => a! - b!),
      [...PRIVATE_PREFIXES],
    );
  });

  it('walks every route as an unauthenticated client and as other members, and no answer holds a private value', async () => {
    const openapi = (await t.api.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.keys(openapi.paths);
    assert.ok(
      paths.includes('/api/v1/state/{key}') &&
        paths.includes('/api/v1/market/cycles/{cycleId}/statements/{key}'),
    );
    const txHash = toHex(seeded.block.txHashes[0]!);
    const candidates: Record<string, string[]> = {
      height: ['0', String(seeded.block.header.height)],
      hash: [toHex(seeded.block.hash), txHash],
      cycleId: ['c1'],
      key: [...privateValues.keys(), ...publicKeys, ...(Object.keys(seeds) as Who[]).map(hexOf)],
    };
    const urls = (path: string): string[] => {
      let out = [path];
      for (const [name, values] of Object.entries(candidates)) {
        if (!path.includes(`{${name}}`)) continue;
        out = out.flatMap((url) => values.map((v) => url.replace(`{${name}}`, v)));
      }
      return out;
    };
    const planted = [...plantedStrings(), ...privateValues.values()];
    const clients: [string, Record<string, string>][] = [
      ['unauthenticated', {}],
      ['another member', { authorization: `Bearer ${tokens.outsider}` }],
      ['a regulator not yet approved', { authorization: `Bearer ${tokens.pendingRegulator}` }],
    ];
    const check = (label: string, body: string) => {
      for (const secret of planted)
        assert.ok(!body.includes(secret), `${label} holds private ${secret.slice(0, 40)}`);
    };
    let answers = 0;
    const statuses = new Map<string, number[]>();
    for (const [client, headers] of clients) {
      for (const [path, methods] of Object.entries(openapi.paths)) {
        if (path === '/api/v1/events') continue; // a stream: read below over a real socket
        for (const method of Object.keys(methods)) {
          for (const url of urls(path)) {
            const bodies = method === 'post' ? [{}, { tx: '00' }, { txs: ['00'] }] : [undefined];
            for (const payload of bodies) {
              const answer: LightMyRequestResponse = await t.api.inject({
                method: method.toUpperCase() as 'GET' | 'POST',
                url,
                headers,
                ...(payload === undefined ? {} : { payload }),
              });
              check(`${client} ${method} ${url} (${answer.statusCode})`, answer.body);
              answers++;
              if (path === '/api/v1/state/{key}' && privateValues.has(url.split('/').pop()!)) {
                statuses.set(client, [...(statuses.get(client) ?? []), answer.statusCode]);
              }
            }
          }
        }
      }
      for (const url of ['/openapi.json', '/metrics', '/docs/json']) {
        const answer = await t.api.inject({ url, headers });
        check(`${client} ${url}`, answer.body);
      }
    }
    assert.ok(answers > 100, `${answers} answers`);
    assert.deepEqual(new Set(statuses.get('unauthenticated')), new Set([401]));
    assert.deepEqual(new Set(statuses.get('another member')), new Set([403]));
    assert.deepEqual(new Set(statuses.get('a regulator not yet approved')), new Set([403]));

    // The event stream, over a socket, while the block holding the records is announced.
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', agent: false });
      req.on('error', reject);
      req.on('response', (response) => {
        response.setEncoding('utf8');
        let text = '';
        response.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('event: block')) {
            req.destroy();
            resolve(text);
          }
        });
        t.node.emit('block', seeded.block);
      });
      req.end();
    });
    assert.ok(received.includes(toHex(seeded.block.hash)));
    check('event stream', received);
  });

  it('serves a private value to its party and to an approved regulator, and its proof to anyone', async () => {
    const read = (key: string, who?: Who) =>
      t.api.inject({
        url: `/api/v1/state/${key}`,
        headers: who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` },
      });
    const meter = keyOfPrefix(MARKET_KEY_PREFIX.meter, 'user');
    const contracts = keyOfPrefix(MARKET_KEY_PREFIX.contract);
    const deals = keyOfPrefix(MARKET_KEY_PREFIX.deal);
    const statement = keyOfPrefix(MARKET_KEY_PREFIX.statement, 'user');
    const cases: [string, Who, number][] = [
      [meter, 'user', 200],
      [meter, 'regulator', 200],
      [meter, 'generator', 403],
      [statement, 'user', 200],
      [statement, 'gridEnterprise', 403],
      [contracts, 'generator', 200],
      [contracts, 'user', 200],
      [contracts, 'gridEnterprise', 200],
      [contracts, 'outsider', 403],
      [deals, 'user', 200],
      [deals, 'gridEnterprise', 403],
      [deals, 'regulator', 200],
    ];
    for (const [key, who, status] of cases) {
      const answer = await read(key, who);
      assert.equal(answer.statusCode, status, `${who} reading ${key.slice(0, 2)}…`);
      if (status === 200) assert.equal(answer.json().value, privateValues.get(key));
      else assert.match(answer.headers['content-type'] as string, /application\/problem\+json/);
    }

    // The proof alone, unauthenticated, verifies against the root once the party supplies the value.
    const proof = (await t.api.inject({ url: `/api/v1/state/${meter}/proof` })).json();
    assert.equal(proof.value, undefined);
    assert.equal(proof.proof.terminal.kind, 'leaf');
    const value = fromHex((await read(meter, 'user')).json().value);
    const asProof = {
      siblings: proof.proof.siblings.map(fromHex),
      terminal: {
        kind: 'leaf' as const,
        path: fromHex(proof.proof.terminal.path),
        valueHash: fromHex(proof.proof.terminal.valueHash),
      },
    };
    assert.ok(verifyStateProof(sha256, fromHex(proof.stateRoot), fromHex(meter), value, asProof));
    assert.ok(!verifyStateProof(sha256, fromHex(proof.stateRoot), fromHex(meter), enc('a guess'), asProof));
  });

  it('keeps the registry, cycles and interval summaries public', async () => {
    assert.ok(publicKeys.length >= 2);
    for (const key of publicKeys) {
      const answer = await t.api.inject({ url: `/api/v1/state/${key}` });
      assert.equal(answer.statusCode, 200);
      assert.notEqual(answer.json().value, null);
    }
    const cycle = await t.api.inject({ url: '/api/v1/market/cycles/c1' });
    assert.equal(cycle.statusCode, 200);
    assert.equal(cycle.json().summaries[0].clearingPricePerKwh, 450);
  });

  it('decides list records by their entries: only a party to every entry reads the raw list', () => {
    const [g, u, e, o] = (['generator', 'user', 'gridEnterprise', 'outsider'] as const).map(keyOf);
    const key = fromHex(keyOfPrefix(MARKET_KEY_PREFIX.contract));
    const two = contractListRecord.encode([contractOf(g!, u!, e!), contractOf(g!, o!, e!)]);
    const visibility = visibilityOf(key, two);
    assert.equal(visibility.kind, 'private');
    assert.deepEqual(
      new Set(visibility.kind === 'private' ? visibility.readers : []),
      new Set([toHex(g!), toHex(e!)]),
    );
    // Unreadable bytes, an absent list and a truncated owner key leave the regulator as the only reader.
    assert.deepEqual(visibilityOf(key, new Uint8Array([9, 9, 9])), { kind: 'private', readers: [] });
    assert.deepEqual(visibilityOf(key, undefined), { kind: 'private', readers: [] });
    assert.deepEqual(
      visibilityOf(new Uint8Array([MARKET_KEY_PREFIX.statement, 2, 0x63, 0x31, 1, 2]), undefined),
      {
        kind: 'private',
        readers: [],
      },
    );
    assert.deepEqual(visibilityOf(new Uint8Array([MARKET_KEY_PREFIX.member, 1, 2]), undefined), {
      kind: 'public',
    });
  });
});
