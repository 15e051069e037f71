import type { Uint8ArrayList } from 'uint8arraylist';
import { NetworkError } from './errors.js';

/**
 * Messages on a byte stream are framed as a minimal LEB128 length followed by the bytes. The
 * reader refuses a frame above the limit before buffering it, so a peer cannot make us hold
 * more than one maximal frame.
 */
export function encodeFrame(payload: Uint8Array, maxFrameBytes: number): Uint8Array {
  if (payload.length > maxFrameBytes) {
    throw new NetworkError('FRAME_TOO_LARGE', `frame of ${payload.length} bytes exceeds ${maxFrameBytes}`, {
      length: payload.length,
    });
  }
  const header: number[] = [];
  let length = payload.length;
  do {
    const byte = length & 0x7f;
    length = Math.floor(length / 128);
    header.push(length > 0 ? byte | 0x80 : byte);
  } while (length > 0);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

export class FrameReader {
  private buffer = new Uint8Array(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds received bytes and returns every frame now complete; throws on an oversize or malformed frame. */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer, 0);
    joined.set(bytes, this.buffer.length);
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      let length = 0;
      let shift = 1;
      let at = offset;
      let complete = false;
      while (at < joined.length && at - offset < 5) {
        const byte = joined[at++]!;
        length += (byte & 0x7f) * shift;
        shift *= 128;
        if ((byte & 0x80) === 0) {
          if (byte === 0 && at - offset > 1)
            throw new NetworkError('BAD_FRAME', 'non-minimal frame length', {});
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (at - offset >= 5) throw new NetworkError('BAD_FRAME', 'frame length prefix too long', {});
        break;
      }
      if (length > this.maxFrameBytes) {
        throw new NetworkError(
          'FRAME_TOO_LARGE',
          `peer announced a ${length}-byte frame, limit ${this.maxFrameBytes}`,
          {
            length,
          },
        );
      }
      if (joined.length - at < length) break;
      frames.push(joined.slice(at, at + length));
      offset = at + length;
    }
    this.buffer = joined.slice(offset);
    return frames;
  }
}
