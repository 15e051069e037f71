/**
 * Waves of two rounds. Wave k ≥ 1: its leader is elected among the vertices of round 2k - 1,
 * round 2k's vertices support it by referencing it, and round 2k + 1's headers carry the coin
 * shares that open wave k's coin. A share is made only after its author has left round 2k, so
 * the leader is unknown until the vertices that vote for it are fixed.
 */
export function leaderRoundOf(wave: number): number {
  return 2 * wave - 1;
}

export function supportRoundOf(wave: number): number {
  return 2 * wave;
}

/** Rounds 3, 5, 7, … carry a coin share. */
export function isCoinRound(round: number): boolean {
  return round >= 3 && round % 2 === 1;
}

/** The wave whose coin a coin round's headers carry. */
export function waveOfCoinRound(round: number): number {
  return (round - 1) / 2;
}

/**
 * Leader slots are numbered in the order they are decided: wave 1's slots first, then wave 2's.
 * Position 0 means no slot yet; wave k's slot s (0-based) is (k − 1) × perWave + s + 1.
 */
export function slotPosition(wave: number, slot: number, perWave: number): number {
  return (wave - 1) * perWave + slot + 1;
}

export function waveOfPosition(position: number, perWave: number): number {
  return Math.floor((position - 1) / perWave) + 1;
}

export function slotOfPosition(position: number, perWave: number): number {
  return (position - 1) % perWave;
}
