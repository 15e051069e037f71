import type { Prng } from '../kit/prng.js';
import type { Envelope, Network } from './network.js';

/**
 * Twins (Bano et al., 2021): each faulty identity runs as two honest instances with the same keys,
 * so the identity says two different things without any code written to lie. A scenario is a
 * sequence of phases; in each, the instances are split into groups and a message between two
 * groups is lost. After the last phase everyone is connected again, so liveness is checked too.
 */
export interface TwinsPhase {
  readonly durationMs: number;
  /** Groups of instances; an instance in no group is alone. */
  readonly groups: readonly (readonly number[])[];
}

export interface TwinsScenario {
  readonly phases: readonly TwinsPhase[];
}

export class TwinsNetwork implements Network {
  readonly releaseAllAtMs = 0;
  private readonly ends: number[] = [];
  private readonly groupOf: Map<number, number>[];

  constructor(
    readonly scenario: TwinsScenario,
    private readonly rng: Prng,
    private readonly delayMaxMs: number,
  ) {
    let at = 0;
    for (const phase of scenario.phases) {
      at += phase.durationMs;
      this.ends.push(at);
    }
    this.groupOf = scenario.phases.map((phase) => {
      const map = new Map<number, number>();
      phase.groups.forEach((group, g) => {
        for (const instance of group) map.set(instance, g);
      });
      return map;
    });
  }

  get endMs(): number {
    return this.ends[this.ends.length - 1] ?? 0;
  }

  route(envelope: Envelope, nowMs: number): readonly number[] {
    const phase = this.ends.findIndex((end) => nowMs < end);
    if (phase >= 0) {
      const groups = this.groupOf[phase]!;
      const a = groups.get(envelope.from) ?? -1 - envelope.from;
      const b = groups.get(envelope.to) ?? -2 - envelope.to;
      if (a !== b) return [];
    }
    return [nowMs + 1 + this.rng.int(this.delayMaxMs)];
  }

  release(): readonly Envelope[] {
    return [];
  }

  drain(): readonly Envelope[] {
    return [];
  }
}

/** Every way to split `items` into at most `maxGroups` non-empty groups (set partitions). */
export function setPartitions(items: readonly number[], maxGroups: number): number[][][] {
  const out: number[][][] = [];
  const walk = (k: number, groups: number[][]): void => {
    if (k === items.length) {
      out.push(groups.map((g) => [...g]));
      return;
    }
    for (const group of groups) {
      group.push(items[k]!);
      walk(k + 1, groups);
      group.pop();
    }
    if (groups.length < maxGroups) {
      groups.push([items[k]!]);
      walk(k + 1, groups);
      groups.pop();
    }
  };
  walk(0, []);
  return out;
}

/** A partition's canonical text with the two instances of the twin swapped or not (the smaller). */
function canonical(groups: readonly (readonly number[])[], a: number, b: number): string {
  const text = (swap: boolean) =>
    groups
      .map((g) =>
        g
          .map((i) => (swap && i === a ? b : swap && i === b ? a : i))
          .sort((x, y) => x - y)
          .join(','),
      )
      .sort()
      .join('|');
  const plain = text(false);
  const swapped = text(true);
  return plain < swapped ? plain : swapped;
}

/**
 * The exhaustive scenarios for n = 4 and one twinned identity (5 instances: the four identities,
 * `twinInstance` the second copy of `twinIdentity`), bounded so the whole set runs in CI. Two
 * scenarios that differ only by swapping the twin's two copies are one (the copies are the same
 * validator). The bound:
 * - one phase: every partition of the 5 instances into 2 or 3 groups (40, 27 up to the swap);
 * - two phases: each a partition into 2 groups with the twin's copies on opposite sides (the
 *   three honest identities each pick a side: 8 partitions), in every order: 64 pairs, 32 up
 *   to the swap.
 * 59 scenarios; each phase lasts `phaseMs`, then the network heals.
 */
export function exhaustiveTwinsScenarios(
  twinIdentity: number,
  twinInstance: number,
  phaseMs: number,
): TwinsScenario[] {
  const instances = [0, 1, 2, 3, twinInstance];
  const oneShot = dedupe(
    setPartitions(instances, 3).filter((p) => p.length >= 2),
    twinIdentity,
    twinInstance,
  );
  const scenarios: TwinsScenario[] = oneShot.map((groups) => ({ phases: [{ durationMs: phaseMs, groups }] }));
  const honest = [0, 1, 2, 3].filter((i) => i !== twinIdentity);
  const split: number[][][] = [];
  for (let mask = 0; mask < 1 << honest.length; mask++) {
    const withOriginal = honest.filter((_, k) => (mask >> k) & 1);
    const withTwin = honest.filter((_, k) => !((mask >> k) & 1));
    split.push([
      [twinIdentity, ...withOriginal],
      [twinInstance, ...withTwin],
    ]);
  }
  const seen = new Set<string>();
  for (const first of split) {
    for (const second of split) {
      const plain = [first, second].map((p) => canonicalOrdered(p)).join(' / ');
      const swapped = [first, second]
        .map((p) => canonicalOrdered(swapTwin(p, twinIdentity, twinInstance)))
        .join(' / ');
      const key = plain < swapped ? plain : swapped;
      if (seen.has(key)) continue;
      seen.add(key);
      scenarios.push({
        phases: [
          { durationMs: phaseMs, groups: first },
          { durationMs: phaseMs, groups: second },
        ],
      });
    }
  }
  return scenarios;
}

function canonicalOrdered(groups: readonly (readonly number[])[]): string {
  return groups
    .map((g) => [...g].sort((x, y) => x - y).join(','))
    .sort()
    .join('|');
}

function swapTwin(groups: number[][], a: number, b: number): number[][] {
  return groups.map((g) => g.map((i) => (i === a ? b : i === b ? a : i)));
}

function dedupe(partitions: number[][][], a: number, b: number): number[][][] {
  const seen = new Set<string>();
  return partitions.filter((p) => {
    const key = canonical(p, a, b);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A random scenario: 1–3 phases of 1–3 groups each, 100–800 ms long. */
export function randomTwinsScenario(rng: Prng, instances: number): TwinsScenario {
  const phases: TwinsPhase[] = [];
  const count = rng.range(1, 3);
  for (let p = 0; p < count; p++) {
    const groupCount = rng.range(1, 3);
    const groups: number[][] = Array.from({ length: groupCount }, () => []);
    for (let i = 0; i < instances; i++) groups[rng.int(groupCount)]!.push(i);
    phases.push({ durationMs: rng.range(100, 800), groups: groups.filter((g) => g.length > 0) });
  }
  return { phases };
}

/**
 * Twins phases over `spanMs` and a little past it: random scenarios one after another, each
 * followed by 300–1500 ms with every instance connected, so a committee that hands over every
 * cycle meets split twins in every epoch, at its boundaries too, and still gets to commit between.
 */
export function twinsScenarioOver(rng: Prng, instances: number, spanMs: number): TwinsScenario {
  const everyone = Array.from({ length: instances }, (_, i) => i);
  const phases: TwinsPhase[] = [];
  let atMs = 0;
  while (atMs < spanMs) {
    for (const phase of randomTwinsScenario(rng, instances).phases) {
      phases.push(phase);
      atMs += phase.durationMs;
    }
    const connected = rng.range(300, 1500);
    phases.push({ durationMs: connected, groups: [everyone] });
    atMs += connected;
  }
  return { phases };
}

/** A scenario as text, for reports and replays. */
export function describeTwinsScenario(scenario: TwinsScenario): string {
  return scenario.phases
    .map((p) => `${p.durationMs}ms:${p.groups.map((g) => g.join(',')).join('|')}`)
    .join(' → ');
}
