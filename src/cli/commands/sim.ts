import type { Command } from 'commander';

export function register(_program: Command): void {}

export function registerBench(_bench: Command): void {}
