import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, tx } from './cluster.js';

describe('pbft liveness details', () => {
  it('a validator alone in a view change waits, and still executes what the others decide', () => {
    const c = new Cluster(4, 51, { viewTimeoutMs: 100, fetchRetryMs: 50 });
    // Validator 3's client request never leaves it, so only 3 waits on the primary.
    c.filter = (from, _to, m) => !(from === 3 && m.type === 'request');
    c.submit(3, [tx('lonely')]);
    c.run(3_000);
    assert.equal(c.core(3).viewChanging, true);
    // Without 2f+1 view-changes it does not escalate view after view.
    assert.equal(c.core(3).currentView, 1);
    for (let k = 0; k < 10; k++) c.submit(0, [tx(`main${k}`)]);
    c.run(6_000);
    assert.equal(c.log(0).length, 10);
    assert.deepEqual(c.log(3), c.log(0));
    assert.equal(c.core(0).currentView, 0);
  });

  it('a crashed primary comes back, catches up and follows the new view', () => {
    const c = new Cluster(4, 52, { viewTimeoutMs: 100, fetchRetryMs: 50 });
    for (let k = 0; k < 8; k++) c.submit(k % 4, [tx(`a${k}`)]);
    c.run(1_000);
    assert.equal(c.log(0).length, 8);
    c.crash(0);
    for (let k = 0; k < 12; k++) c.submit(1 + (k % 3), [tx(`b${k}`)]);
    c.run(5_000, () => [1, 2, 3].every((i) => c.log(i).length === 20));
    assert.equal(c.log(1).length, 20);
    assert.ok(c.core(1).currentView >= 1);
    c.restart(0);
    for (let k = 0; k < 4; k++) c.submit(1 + (k % 3), [tx(`c${k}`)]);
    c.run(12_000, () => c.log(0).length === 24 && c.log(1).length === 24);
    assert.deepEqual(c.log(0), c.log(1));
    assert.equal(c.log(0).length, 24);
    assert.equal(c.core(0).currentView, c.core(1).currentView);
  });

  it('a validator that missed the new-view while f are silent is sent the view again and the view commits', () => {
    const c = new Cluster(4, 53, { viewTimeoutMs: 100, fetchRetryMs: 50 });
    // Validator 0, primary of view 0, is silent throughout; validator 2 hears nothing for a while
    // after it asked for view 1, so the new-view and view 1's first messages never reach it. Only
    // three validators are left, so view 1 needs validator 2: it has to learn the view again.
    let deaf = false;
    c.filter = (from, to, m) => {
      if (from === 0 || to === 0) return false;
      if (from === 2 && m.type === 'view-change') deaf = c.now < 1_500;
      return !(to === 2 && deaf && c.now < 1_500);
    };
    for (let k = 0; k < 6; k++) c.submit(1 + (k % 3), [tx(`t${k}`)]);
    c.run(1_500);
    assert.equal(c.core(1).currentView, 1);
    assert.equal(c.core(2).viewChanging, true);
    assert.equal(c.log(1).length, 0, 'view 1 cannot commit without validator 2');
    c.run(10_000, () => [1, 2, 3].every((i) => c.log(i).length === 6));
    for (const i of [1, 2, 3]) assert.equal(c.log(i).length, 6, `validator ${i} committed everything`);
    assert.deepEqual(c.log(2), c.log(1));
    assert.deepEqual(c.log(3), c.log(1));
    assert.equal(c.core(2).currentView, c.core(1).currentView);
  });
});
