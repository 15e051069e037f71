import { readFileSync } from 'node:fs';
import { type Grid, gridFromJson } from '../../src/grid/index.js';

export function fixtureText(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** The IEEE 33-bus feeder of Baran & Wu in the project's grid document format. */
export function ieee33(): Grid {
  return gridFromJson(JSON.parse(fixtureText('ieee33.json')));
}

/** Shared data that sits beside the checkout on development machines only. */
export const SHARED_CASE33 = new URL('../../../shared/data/case33bw.m', import.meta.url);

export function withRating(grid: Grid, from: number, to: number, rateKva: number): Grid {
  return {
    ...grid,
    branches: grid.branches.map((b) => (b.from === from && b.to === to ? { ...b, rateKva } : b)),
  };
}

/** A grid document from the fixtures folder. */
export function loadFixtureGrid(name: string): Grid {
  return gridFromJson(JSON.parse(fixtureText(name)));
}
