import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CASE33_DEMO_ZONES, type FeederTopology, type Zone, ZoneMap } from '../../src/sharding/index.js';
import { ieee33 } from '../grid/cases.js';

function feeder(): FeederTopology {
  const grid = ieee33();
  return { buses: grid.buses.map((b) => b.id), branches: grid.branches };
}

const badMap = (zones: readonly Zone[], pattern: RegExp) =>
  assert.throws(
    () => ZoneMap.create(zones, feeder()),
    (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'BAD_ZONE_MAP');
      assert.match(error.message ?? '', pattern);
      return true;
    },
  );

describe('zone map', () => {
  it('splits the 33-bus feeder into four connected zones and answers every home shard', () => {
    const map = ZoneMap.create(CASE33_DEMO_ZONES, feeder());
    assert.equal(map.shardCount, 4);
    const grid = ieee33();
    const counts = [0, 0, 0, 0];
    for (const bus of grid.buses) counts[map.homeShard(bus.id)]!++;
    assert.deepEqual(counts, [6, 6, 13, 8]);
    assert.equal(map.homeShard(18), 2, 'the end of the main feeder');
    assert.equal(map.homeShard(33), 3, 'the end of the lateral from bus 6');
    assert.equal(map.crossesZones(18, 17), false);
    assert.equal(map.crossesZones(18, 33), true, 'bus 18 and bus 33 meet only through an open tie switch');
    assert.throws(() => map.homeShard(34), { code: 'UNKNOWN_BUS' });
  });

  it('refuses overlaps, gaps, unknown buses, misnumbered shards and duplicate names', () => {
    const [a, b, c, d] = CASE33_DEMO_ZONES as [Zone, Zone, Zone, Zone];
    badMap([a, { ...b, buses: [...b.buses, 2] }, c, d], /bus 2 is in zone .* and in zone/);
    badMap([a, b, c, { ...d, buses: d.buses.filter((bus) => bus !== 33) }], /buses 33 are in no zone/);
    badMap([a, b, c, { ...d, buses: [...d.buses, 99] }], /bus 99, which the feeder does not have/);
    badMap([a, b, d, c], /must serve shard 2/);
    badMap([a, b, c, { ...d, name: a.name }], /used twice/);
    badMap([a, b, c, { ...d, name: ' ' }], /needs a name/);
    badMap([a, b, c, { ...d, buses: [] }], /has no bus/);
    badMap([], /1 to 256 zones/);
  });

  it('refuses a zone joined only through an open tie switch or through another zone', () => {
    const [a, b, c, d] = CASE33_DEMO_ZONES as [Zone, Zone, Zone, Zone];
    // Bus 33 meets bus 18 only through the open tie 18-33: moving it to the main feeder's zone
    // leaves it cut off there.
    badMap(
      [a, b, { ...c, buses: [...c.buses, 33] }, { ...d, buses: d.buses.filter((bus) => bus !== 33) }],
      /zone "main feeder 6-18" is not connected .* buses 33/,
    );
    // Bus 28 handed to the lateral from bus 3: it is reachable from there only through two
    // other zones, and the lateral from bus 6 falls apart around it.
    badMap(
      [a, { ...b, buses: [...b.buses, 28] }, c, { ...d, buses: d.buses.filter((bus) => bus !== 28) }],
      /zone "trunk 3-5 and lateral 23-25" is not connected .* buses 28/,
    );
    // The same split with the tie switch closed is connected.
    const closed = feeder();
    const tied = {
      ...closed,
      branches: closed.branches.map((br) =>
        br.from === 18 && br.to === 33 ? { ...br, inService: true } : br,
      ),
    };
    const moved = ZoneMap.create(
      [a, b, { ...c, buses: [...c.buses, 33] }, { ...d, buses: d.buses.filter((bus) => bus !== 33) }],
      tied,
    );
    assert.equal(moved.homeShard(33), 2);
  });
});
