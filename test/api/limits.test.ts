import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiLimitsFromEnv, clientKey, DEFAULT_API_LIMITS, resolveLimits } from '../../src/api/limits.js';
import { RateLimiter } from '../../src/api/rate-limit.js';

describe('API limits', () => {
  it('reads GRIDSHARD_API_* variables and refuses anything but a positive integer', () => {
    assert.deepEqual(
      apiLimitsFromEnv({ GRIDSHARD_API_REQUEST_TIMEOUT_MS: '5000', GRIDSHARD_API_EVENT_STREAMS: '10' }),
      { requestTimeoutMs: 5000, eventStreams: 10 },
    );
    assert.deepEqual(apiLimitsFromEnv({}), {});
    for (const bad of ['0', '-1', '1.5', 'ten', '1e3'])
      assert.throws(
        () => apiLimitsFromEnv({ GRIDSHARD_API_SESSION_TTL_MS: bad }),
        { code: 'BAD_LIMIT' },
        bad,
      );
    assert.throws(() => resolveLimits({ connections: 0 }), { code: 'BAD_LIMIT' });
    assert.equal(resolveLimits({ requestTimeoutMs: 2000 }).headersTimeoutMs, 2000, 'headers fit the request');
    assert.equal(resolveLimits().requestTimeoutMs, DEFAULT_API_LIMITS.requestTimeoutMs);
  });

  it('counts IPv4 addresses singly and IPv6 addresses by their /64', () => {
    assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
    assert.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey(undefined), 'unknown');
  });

  it('charges a multi-transaction submission one token per transaction', () => {
    const limiter = new RateLimiter(10);
    assert.equal(limiter.take('client', 0, 11), false, 'more than the burst is refused whole');
    assert.equal(limiter.take('client', 0, 10), true);
    assert.equal(limiter.take('client', 0, 1), false);
    assert.equal(limiter.take('client', 500, 5), true, 'half a second refills half the bucket');
  });

  it('forgets the least recently seen client when full, not every client at once', () => {
    const limiter = new RateLimiter(2, 3);
    assert.equal(limiter.take('steady', 0, 2), true);
    for (let i = 0; i < 10; i++) {
      limiter.take(`passer-by ${i}`, 0);
      limiter.take('steady', 0, 0);
    }
    assert.equal(limiter.take('steady', 0), false, 'the steady client kept its empty bucket');
  });
});
