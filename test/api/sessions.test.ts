import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_API_LIMITS } from '../../src/api/limits.js';
import { SessionTable, sessionSigningBytes } from '../../src/api/sessions.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { CHAIN_ID, enc, openSession, readStatement, startTestApi, type TestApi } from './harness.js';

const regulatorSeed = sha256(enc('regulator'));
const aliceSeed = sha256(enc('alice'));
const aliceKey = toHex(ed25519Scheme.publicKeyFromSeed(aliceSeed));
const attacker = '198.51.100.66';

describe('API sessions and challenges under flooding', () => {
  let t: TestApi;
  before(async () => {
    // Authentication is rate limited per address; lifted here so the tables themselves are tested.
    t = await startTestApi({
      authRateLimitPerSecond: 1_000_000,
      rateLimitPerSecond: 1_000_000,
      guestSessions: 32,
      guestSessionsPerClient: 8,
      sessionsPerMember: 2,
    });
    t.node.setMember(ed25519Scheme.publicKeyFromSeed(regulatorSeed), 'regulator', 'approved');
  });
  after(() => t.close());

  it('stores nothing per challenge: 10,060 issued after a legitimate one leave it answerable', () => {
    const table = new SessionTable(CHAIN_ID, DEFAULT_API_LIMITS);
    const { challenge } = table.challenge('192.0.2.7', 0);
    for (let i = 0; i < 10_060; i++) table.challenge(`203.0.113.${i % 250}`, 1);
    assert.equal(table.size.usedChallenges, 0);
    const signature = toHex(ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes(CHAIN_ID, challenge)));
    assert.notEqual(table.open('192.0.2.7', aliceKey, challenge, signature, false, 2), null);
    assert.equal(table.open('192.0.2.7', aliceKey, challenge, signature, false, 2), null, 'single use');
  });

  it('refuses an older challenge rather than forgetting it when the used set is full', () => {
    const table = new SessionTable(CHAIN_ID, { ...DEFAULT_API_LIMITS, usedChallenges: 4 });
    const issued = Array.from({ length: 6 }, (_, i) => table.challenge('192.0.2.7', i).challenge);
    const answer = (challenge: string) =>
      table.open(
        '192.0.2.7',
        aliceKey,
        challenge,
        toHex(ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes(CHAIN_ID, challenge))),
        false,
        10,
      );
    for (const challenge of issued.slice(0, 5)) assert.notEqual(answer(challenge), null);
    assert.equal(table.size.usedChallenges, 4, 'the set stays bounded');
    assert.equal(answer(issued[0]!), null, 'the forgotten challenge is still refused');
    assert.notEqual(answer(issued[5]!), null, 'a newer one is still answered');
  });

  it('when the guest pool is full, the address holding the most loses its oldest session', () => {
    const limits = { ...DEFAULT_API_LIMITS, guestSessions: 4, guestSessionsPerClient: 3 };
    const table = new SessionTable(CHAIN_ID, limits);
    const open = (client: string, label: string) => {
      const seed = sha256(enc(label));
      const { challenge } = table.challenge(client, 0);
      const signature = ed25519Scheme.signer(seed).sign(sessionSigningBytes(CHAIN_ID, challenge));
      const key = toHex(ed25519Scheme.publicKeyFromSeed(seed));
      return table.open(client, key, challenge, toHex(signature), false, 0)!.token;
    };
    const [a1, a2, a3] = [open('a', 'k1'), open('a', 'k2'), open('a', 'k3')];
    const b1 = open('b', 'k4');
    const c1 = open('c', 'k5');
    assert.equal(table.lookup(a1, 0), null, 'the largest holder lost its oldest');
    for (const token of [a2, a3, b1, c1]) assert.notEqual(table.lookup(token, 0), null);
    assert.equal(table.size.guest, 4);
    assert.equal(table.lookup(b1, limits.sessionTtlMs + 1), null, 'sessions expire');
    assert.equal(table.size.guest, 3);
  });

  it('keeps a legitimate challenge valid through a flood of challenge requests, bound to its address', async () => {
    const issued = await t.api.inject({ method: 'POST', url: '/api/v1/auth/challenge' });
    const { challenge } = issued.json() as { challenge: string };
    for (let i = 0; i < 300; i++) {
      const flood = await t.api.inject({
        method: 'POST',
        url: '/api/v1/auth/challenge',
        remoteAddress: `203.0.113.${i % 250}`,
      });
      assert.equal(flood.statusCode, 200);
    }
    const signature = ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes(CHAIN_ID, challenge));
    const answer = {
      method: 'POST' as const,
      url: '/api/v1/auth/session',
      payload: { publicKey: aliceKey, challenge, signature: toHex(signature) },
    };
    const stolen = await t.api.inject({ ...answer, remoteAddress: attacker });
    assert.equal(stolen.statusCode, 401, 'a challenge is valid only from the address it was issued to');
    const opened = await t.api.inject(answer);
    assert.equal(opened.statusCode, 200, opened.body);
    const replayed = await t.api.inject(answer);
    assert.equal(replayed.statusCode, 401, 'a challenge is single-use');
    const forgedExpiry = `${challenge.slice(0, 32)}${'f'.repeat(16)}${challenge.slice(48)}`;
    const forged = await t.api.inject({
      ...answer,
      payload: {
        ...answer.payload,
        challenge: forgedExpiry,
        signature: toHex(ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes(CHAIN_ID, forgedExpiry))),
      },
    });
    assert.equal(forged.statusCode, 401, 'a challenge whose expiry was altered fails its MAC');
  });

  it('lets 64 throw-away keys opening many sessions evict only their own, never a member or another client', async () => {
    const guest = await openSession(t.api, aliceSeed, '192.0.2.7');
    assert.equal(guest.status, 200);
    const guestToken = guest.body.token as string;
    const before = await openSession(t.api, regulatorSeed);
    assert.equal(before.status, 200);
    const regulatorToken = before.body.token as string;

    const keys = Array.from({ length: 64 }, (_, i) => sha256(enc(`throw-away ${i}`)));
    const attackerTokens: string[] = [];
    for (let i = 0; i < 128; i++) {
      const opened = await openSession(t.api, keys[i % keys.length]!, attacker);
      assert.equal(opened.status, 200);
      attackerTokens.push(opened.body.token as string);
    }
    const live = [];
    for (const token of attackerTokens.slice(-64)) {
      const read = await readStatement(t.api, toHex(ed25519Scheme.publicKeyFromSeed(keys[0]!)), token);
      if (read.statusCode !== 401) live.push(token);
    }
    assert.ok(live.length <= 8, `the attacker holds ${live.length} live sessions, at most its share of 8`);
    assert.equal((await readStatement(t.api, aliceKey, attackerTokens[0]!)).statusCode, 401);

    assert.equal(
      (await readStatement(t.api, aliceKey, guestToken)).statusCode,
      404,
      'the guest kept its session',
    );
    assert.equal(
      (await readStatement(t.api, aliceKey, regulatorToken)).statusCode,
      404,
      'the regulator kept its session',
    );
    const after = await openSession(t.api, regulatorSeed);
    assert.equal(after.status, 200, 'the regulator still opens sessions');
    assert.equal(after.body.role, 'regulator');

    const third = await openSession(t.api, regulatorSeed);
    assert.equal(third.status, 200);
    assert.equal(
      (await readStatement(t.api, aliceKey, regulatorToken)).statusCode,
      401,
      'a member over its share of 2 loses its own oldest session',
    );
  });

  it('limits how often one address asks for challenges and sessions', async () => {
    const limited = await startTestApi({ authRateLimitPerSecond: 3 }, () => 0);
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await limited.api.inject({ method: 'POST', url: '/api/v1/auth/challenge' })).statusCode,
        );
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      const other = await limited.api.inject({
        method: 'POST',
        url: '/api/v1/auth/challenge',
        remoteAddress: '192.0.2.9',
      });
      assert.equal(other.statusCode, 200, 'other addresses are unaffected');
    } finally {
      await limited.close();
    }
  });

  it('reports the role the chain grants: none while a registration is pending', async () => {
    const pendingSeed = sha256(enc('would-be regulator'));
    const pendingKey = ed25519Scheme.publicKeyFromSeed(pendingSeed);
    t.node.setMember(pendingKey, 'regulator', 'pending');
    const pending = await openSession(t.api, pendingSeed);
    assert.equal(pending.status, 200);
    assert.equal(pending.body.role, 'none');
    assert.equal(pending.body.status, 'pending');
    assert.equal(
      (await readStatement(t.api, aliceKey, pending.body.token as string)).statusCode,
      403,
      'a pending regulator reads only its own records',
    );
    t.node.setMember(pendingKey, 'regulator', 'approved');
    const approved = await openSession(t.api, pendingSeed);
    assert.equal(approved.body.role, 'regulator');
    t.node.setMember(pendingKey, 'regulator', 'suspended');
    assert.equal(
      (await readStatement(t.api, aliceKey, approved.body.token as string)).statusCode,
      403,
      'a suspension takes effect on the open session at once',
    );
  });
});
