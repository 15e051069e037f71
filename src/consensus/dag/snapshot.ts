import { CodecError, decodeExact, type Reader, Writer } from '../../codec/index.js';
import { COIN_VALUE_LENGTH } from '../coin/index.js';
import {
  DIGEST_LENGTH,
  readCertificate,
  readCheckpoint,
  readHeaderField,
  writeCertificate,
  writeCheckpoint,
  writeHeaderField,
} from './codec.js';
import { DagError } from './errors.js';
import type { Certificate, Checkpoint, Header } from './types.js';

/**
 * What a validator persists: enough to resume without ever signing a second header for a round
 * or a second vote for a slot (the `voted` map and the own header), and the DAG window so it
 * rejoins from where it stopped instead of fetching everything again.
 */
export interface DagState {
  readonly round: number;
  /** -1 when the validator has not proposed yet. */
  readonly lastProposeAtMs: number;
  readonly ownHeader: Header | null;
  readonly pending: readonly Uint8Array[];
  readonly certificates: readonly Certificate[];
  /** Hex digest → round of ordered vertices still in the window. */
  readonly committed: readonly (readonly [string, number])[];
  readonly referenced: readonly string[];
  readonly collected: readonly (readonly [string, number])[];
  /** `author:round` → hex digest. */
  readonly voted: readonly (readonly [string, string])[];
  readonly coins: readonly (readonly [number, Uint8Array])[];
  /** Position of the last leader slot passed (`slotPosition`); a wave number if `waveNumbered`. */
  readonly lastDecidedSlot: number;
  readonly gcRound: number;
  readonly nextSequence: number;
  /** -1 when no wave was committed yet. */
  readonly lastLeader: number;
  readonly checkpoints: readonly Checkpoint[];
  readonly syncing: boolean;
  readonly lastLeaderRound: number;
  /**
   * Set on a snapshot of version 1, taken when each wave had one leader: `lastDecidedSlot` and the
   * checkpoints' `slot` are then wave numbers, which the core turns into the position of the
   * wave's first slot.
   */
  readonly waveNumbered?: true;
}

/** Version 2: leader slots by position, no leader-candidate activity (version 1 had both waves and it). */
const VERSION = 2;
const VERSION_WAVE_NUMBERED = 1;

function writeKey(w: Writer, key: string): void {
  w.fixedBytes(Buffer.from(key, 'hex'), DIGEST_LENGTH);
}

function readKey(r: Reader): string {
  return Buffer.from(r.fixedBytes(DIGEST_LENGTH)).toString('hex');
}

export function encodeState(state: DagState): Uint8Array {
  const w = new Writer(4096);
  w.u8(VERSION);
  w.varuint(state.round);
  w.u64(Math.max(0, Math.floor(state.lastProposeAtMs) + 1));
  w.optional(state.ownHeader, writeHeaderField);
  w.array(state.pending, (ww, tx) => ww.bytes(tx));
  w.array(state.certificates, writeCertificate);
  w.array(state.committed, (ww, [key, round]) => {
    writeKey(ww, key);
    ww.varuint(round);
  });
  w.array(state.referenced, writeKey);
  w.array(state.collected, (ww, [key, round]) => {
    writeKey(ww, key);
    ww.varuint(round);
  });
  w.array(state.voted, (ww, [slot, key]) => {
    const [author, round] = slot.split(':').map(Number);
    ww.varuint(author!).varuint(round!);
    writeKey(ww, key);
  });
  w.array(state.coins, (ww, [wave, value]) => {
    ww.varuint(wave);
    ww.fixedBytes(value, COIN_VALUE_LENGTH);
  });
  w.varuint(state.lastDecidedSlot).varuint(state.gcRound).varuint(state.nextSequence);
  w.varuint(state.lastLeader + 1);
  w.array(state.checkpoints, writeCheckpoint);
  w.bool(state.syncing);
  w.varuint(state.lastLeaderRound);
  return w.finish();
}

/** Throws DagError BAD_SNAPSHOT on bytes that are not a snapshot of this version. */
export function decodeState(bytes: Uint8Array): DagState {
  try {
    return decodeExact(bytes, (r) => {
      const version = r.version([VERSION, VERSION_WAVE_NUMBERED], 'DAG snapshot');
      const waveNumbered = version === VERSION_WAVE_NUMBERED;
      const round = r.varuint();
      const lastProposeAtMs = r.u64() - 1;
      const ownHeader = r.optional(readHeaderField);
      const pending = r.array((rr) => rr.bytesField(65_536));
      const certificates = r.array(readCertificate);
      const committed = r.array((rr) => [readKey(rr), rr.varuint()] as const);
      const referenced = r.array(readKey);
      const collected = r.array((rr) => [readKey(rr), rr.varuint()] as const);
      const voted = r.array((rr) => {
        const author = rr.varuint();
        const votedRound = rr.varuint();
        return [`${author}:${votedRound}`, readKey(rr)] as const;
      });
      const coins = r.array((rr) => [rr.varuint(), rr.fixedBytes(COIN_VALUE_LENGTH)] as const);
      const lastDecidedSlot = r.varuint();
      const gcRound = r.varuint();
      const nextSequence = r.varuint();
      const lastLeader = r.varuint() - 1;
      const checkpoints = r.array((rr) => readCheckpoint(rr, waveNumbered));
      const syncing = r.bool();
      const lastLeaderRound = r.varuint();
      // Version 1 kept each validator's ordered activity for the leader candidates; unused now.
      if (waveNumbered) r.array((rr) => rr.varuint());
      return {
        ...(waveNumbered ? { waveNumbered: true as const } : {}),
        lastLeaderRound,
        checkpoints,
        syncing,
        round,
        lastProposeAtMs,
        ownHeader,
        pending,
        certificates,
        committed,
        referenced,
        collected,
        voted,
        coins,
        lastDecidedSlot,
        gcRound,
        nextSequence,
        lastLeader,
      };
    });
  } catch (error) {
    if (error instanceof CodecError) {
      throw new DagError('BAD_SNAPSHOT', `not a DAG validator snapshot: ${error.message}`, {
        cause: error.code,
      });
    }
    throw error;
  }
}

/** The sequence a core restored from `bytes` orders next (everything before it it has ordered). */
export function snapshotNextSequence(bytes: Uint8Array): number {
  return decodeState(bytes).nextSequence;
}
