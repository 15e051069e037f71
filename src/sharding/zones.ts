import { ShardingError } from './errors.js';

/**
 * Shards are grid zones. A zone is a set of buses that hang together electrically (a micro-grid, a
 * park, a user district on one lateral); its shard holds the accounts, quotations, contracts and
 * meter data of every member connected to one of its buses. Genesis names the zones; this module
 * checks that they split the feeder cleanly and answers a member's home shard.
 */
export interface Zone {
  /** 0 … K-1, the shard that serves the zone. */
  readonly shardId: number;
  readonly name: string;
  readonly buses: readonly number[];
}

/** What the check needs of the feeder: its buses and its branches (closed or open). */
export interface FeederTopology {
  readonly buses: readonly number[];
  readonly branches: readonly { readonly from: number; readonly to: number; readonly inService: boolean }[];
}

export const MAX_ZONES = 256;
const MAX_ZONE_NAME = 64;

export class ZoneMap {
  private readonly shardOfBus: ReadonlyMap<number, number>;

  private constructor(readonly zones: readonly Zone[]) {
    const shardOfBus = new Map<number, number>();
    for (const zone of zones) for (const bus of zone.buses) shardOfBus.set(bus, zone.shardId);
    this.shardOfBus = shardOfBus;
  }

  /**
   * Checks the zones against the feeder and builds the map, or throws BAD_ZONE_MAP naming the
   * first problem. A zone must be connected through in-service branches inside it: a zone split
   * by an open switch would put members of two districts on one shard for no electrical reason,
   * and its internal flows would cross another zone.
   */
  static create(zones: readonly Zone[], feeder: FeederTopology): ZoneMap {
    const bad = (message: string, data: Record<string, unknown> = {}) =>
      new ShardingError('BAD_ZONE_MAP', message, data);
    if (zones.length === 0 || zones.length > MAX_ZONES)
      throw bad(`a zone map has 1 to ${MAX_ZONES} zones, not ${zones.length}`);
    const known = new Set(feeder.buses);
    const zoneOfBus = new Map<number, number>();
    const names = new Set<string>();
    zones.forEach((zone, position) => {
      if (zone.shardId !== position)
        throw bad(
          `zone ${position} must serve shard ${position}, not ${zone.shardId}: shards are numbered 0 … K-1 in order`,
          {
            position,
          },
        );
      if (typeof zone.name !== 'string' || zone.name.trim() === '' || zone.name.length > MAX_ZONE_NAME)
        throw bad(`zone ${position} needs a name of 1 to ${MAX_ZONE_NAME} characters`, { position });
      if (names.has(zone.name)) throw bad(`zone name "${zone.name}" is used twice`, { name: zone.name });
      names.add(zone.name);
      if (zone.buses.length === 0) throw bad(`zone "${zone.name}" has no bus`, { shardId: position });
      for (const bus of zone.buses) {
        if (!known.has(bus))
          throw bad(`zone "${zone.name}" names bus ${bus}, which the feeder does not have`, { bus });
        const other = zoneOfBus.get(bus);
        if (other !== undefined)
          throw bad(`bus ${bus} is in zone "${zones[other]!.name}" and in zone "${zone.name}"`, { bus });
        zoneOfBus.set(bus, position);
      }
    });
    const unplaced = feeder.buses.filter((bus) => !zoneOfBus.has(bus));
    if (unplaced.length > 0)
      throw bad(`buses ${unplaced.slice(0, 10).join(', ')} are in no zone`, { buses: unplaced.slice(0, 10) });
    for (const zone of zones) {
      const apart = disconnectedBuses(zone, feeder, zoneOfBus);
      if (apart.length > 0)
        throw bad(
          `zone "${zone.name}" is not connected through its own closed branches: buses ${apart.slice(0, 10).join(', ')} cannot be reached from bus ${zone.buses[0]}`,
          { shardId: zone.shardId, buses: apart.slice(0, 10) },
        );
    }
    return new ZoneMap(zones.map((zone) => ({ ...zone, buses: [...zone.buses].sort((a, b) => a - b) })));
  }

  get shardCount(): number {
    return this.zones.length;
  }

  /** The home shard of a member connected at `bus`; UNKNOWN_BUS when no zone has it. */
  homeShard(bus: number): number {
    const shard = this.shardOfBus.get(bus);
    if (shard === undefined) throw new ShardingError('UNKNOWN_BUS', `bus ${bus} is in no zone`, { bus });
    return shard;
  }

  /** True when a trade between these buses touches two shards and must commit across them. */
  crossesZones(sellerBus: number, buyerBus: number): boolean {
    return this.homeShard(sellerBus) !== this.homeShard(buyerBus);
  }
}

/** Buses of the zone not reachable from its first bus through closed branches inside the zone. */
function disconnectedBuses(
  zone: Zone,
  feeder: FeederTopology,
  zoneOfBus: ReadonlyMap<number, number>,
): number[] {
  const neighbours = new Map<number, number[]>();
  for (const branch of feeder.branches) {
    if (!branch.inService) continue;
    if (zoneOfBus.get(branch.from) !== zone.shardId || zoneOfBus.get(branch.to) !== zone.shardId) continue;
    neighbours.set(branch.from, [...(neighbours.get(branch.from) ?? []), branch.to]);
    neighbours.set(branch.to, [...(neighbours.get(branch.to) ?? []), branch.from]);
  }
  const reached = new Set<number>([zone.buses[0]!]);
  const frontier = [zone.buses[0]!];
  while (frontier.length > 0) {
    for (const next of neighbours.get(frontier.pop()!) ?? []) {
      if (reached.has(next)) continue;
      reached.add(next);
      frontier.push(next);
    }
  }
  return zone.buses.filter((bus) => !reached.has(bus));
}

/**
 * The demo's split of the IEEE 33-bus feeder (case33bw) into four zones along its laterals:
 * the substation end with the lateral from bus 2, the lateral from bus 3 with the trunk to bus 5,
 * the main feeder from bus 6 to its end at bus 18, and the lateral from bus 6 to bus 33. Each is
 * connected through its own closed branches; the five tie switches are open.
 */
export const CASE33_DEMO_ZONES: readonly Zone[] = [
  { shardId: 0, name: 'substation and lateral 19-22', buses: [1, 2, 19, 20, 21, 22] },
  { shardId: 1, name: 'trunk 3-5 and lateral 23-25', buses: [3, 4, 5, 23, 24, 25] },
  { shardId: 2, name: 'main feeder 6-18', buses: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] },
  { shardId: 3, name: 'lateral 26-33', buses: [26, 27, 28, 29, 30, 31, 32, 33] },
];
