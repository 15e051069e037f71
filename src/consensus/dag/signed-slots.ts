/**
 * The slots (`author:round`) this validator signed a statement for, each with the digest it
 * signed: its vote for a peer's header, or its own header. An honest validator never signs a
 * second, different digest for a slot, whatever order messages arrive in and across restarts.
 */
export class SignedSlots {
  private readonly voted = new Map<string, string>();

  get(slot: string): string | undefined {
    return this.voted.get(slot);
  }

  has(slot: string): boolean {
    return this.voted.has(slot);
  }

  set(slot: string, digestKey: string): void {
    this.voted.set(slot, digestKey);
  }

  /** Slots below gcRound can never be signed again by anyone honest: they are forgotten. */
  prune(gcRound: number): void {
    for (const [slot, _] of this.voted) {
      const round = Number(slot.slice(slot.indexOf(':') + 1));
      if (round < gcRound) this.voted.delete(slot);
    }
  }

  entries(): [string, string][] {
    return [...this.voted.entries()];
  }
}
