import { GridError } from './errors.js';
import type { Grid } from './model.js';

/**
 * One participant's position in one trading interval, as the market hands it to the security
 * check. Positive `netKw` injects power into the grid (a seller), negative draws it (a buyer).
 * `pricePerKwh` is what a kWh of this position is worth to the participant; congestion
 * management minimises the value of what it curtails. It is a weight, in any one currency unit.
 */
export interface ScheduleEntry {
  readonly participantId: string;
  /** The case's bus number of the participant's connection point. */
  readonly bus: number;
  /** Trading interval number; intervals are checked independently. */
  readonly interval: number;
  readonly netKw: number;
  readonly pricePerKwh: number;
}

export type Schedule = readonly ScheduleEntry[];

/** Reads a schedule document: `{ "entries": [...] }` or a bare array of entries. */
export function scheduleFromJson(value: unknown): ScheduleEntry[] {
  const list = Array.isArray(value) ? value : (value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) fail('a schedule is an array of entries or an object with an "entries" array');
  return (list as unknown[]).map((item, i) => {
    if (typeof item !== 'object' || item === null) fail(`entries[${i}] must be an object`);
    const e = item as Record<string, unknown>;
    const participantId = e.participantId;
    if (typeof participantId !== 'string' || participantId.length === 0) {
      fail(`entries[${i}].participantId must be a non-empty string`);
    }
    return {
      participantId: participantId as string,
      bus: integer(e.bus, `entries[${i}].bus`),
      interval: integer(e.interval ?? 0, `entries[${i}].interval`),
      netKw: finite(e.netKw, `entries[${i}].netKw`),
      pricePerKwh: finite(e.pricePerKwh ?? 0, `entries[${i}].pricePerKwh`),
    };
  });
}

/** Checks a schedule against a grid: known buses, one entry per participant and interval. */
export function validateSchedule(grid: Grid, schedule: Schedule): void {
  const buses = new Set(grid.buses.map((b) => b.id));
  const seen = new Set<string>();
  schedule.forEach((entry, i) => {
    if (typeof entry.participantId !== 'string' || entry.participantId.length === 0) {
      fail(`entry ${i} has no participantId`);
    }
    if (!buses.has(entry.bus)) fail(`entry ${i} (${entry.participantId}) refers to unknown bus ${entry.bus}`);
    if (!Number.isSafeInteger(entry.interval) || entry.interval < 0) {
      fail(`entry ${i} (${entry.participantId}): interval must be a non-negative integer`);
    }
    if (!Number.isFinite(entry.netKw)) fail(`entry ${i} (${entry.participantId}): netKw must be finite`);
    if (!Number.isFinite(entry.pricePerKwh) || entry.pricePerKwh < 0) {
      fail(`entry ${i} (${entry.participantId}): pricePerKwh must be a finite non-negative number`);
    }
    const key = `${entry.interval}\u0000${entry.participantId}`;
    if (seen.has(key)) fail(`participant ${entry.participantId} appears twice in interval ${entry.interval}`);
    seen.add(key);
  });
}

/** Interval numbers of a schedule in ascending order. */
export function scheduleIntervals(schedule: Schedule): number[] {
  return [...new Set(schedule.map((e) => e.interval))].sort((a, b) => a - b);
}

function fail(message: string): never {
  throw new GridError('SCHEDULE_INVALID', `schedule: ${message}`);
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(`${what} must be an integer`);
  return value as number;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} must be a finite number`);
  return value as number;
}
