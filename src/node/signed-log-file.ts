import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { crc32 } from 'node:zlib';
import { NodeError } from './errors.js';

/**
 * The write-ahead log of what this validator signed since its last consensus snapshot. After an
 * 8-byte header, each record is framed as its length (u32), the CRC-32 of its bytes (u32), then
 * the bytes. Records are appended and fdatasync'ed in one batch before any statement they cover
 * is sent; the log is emptied once a snapshot holding them is on disk.
 *
 * A crash may leave the last batch half written: reading stops at the first frame that is cut
 * short or fails its checksum, and the file is truncated there before anything is appended. What
 * was cut off was never followed by its statement leaving the process, since that waits for the
 * sync.
 */
const MAGIC = Buffer.from('GSSIGN\x00\x01', 'latin1');
const HEADER_BYTES = MAGIC.length;
const FRAME_BYTES = 8;
/** Far above any record (a header holds at most a megabyte of transactions). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface SignedLogContents {
  readonly records: Uint8Array[];
  /** Bytes of the header and whole, valid frames: where the next record goes. */
  readonly validBytes: number;
  /** Bytes after the last valid frame (a torn or corrupt tail), dropped on open. */
  readonly discardedBytes: number;
}

/** Parses a log's bytes; an empty input (or a header cut short) is an empty log. */
export function parseSignedLog(bytes: Uint8Array): SignedLogContents {
  if (bytes.length < HEADER_BYTES) {
    if (!MAGIC.subarray(0, bytes.length).equals(bytes)) throw badHeader();
    return { records: [], validBytes: 0, discardedBytes: bytes.length };
  }
  if (!MAGIC.equals(bytes.subarray(0, HEADER_BYTES))) throw badHeader();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = HEADER_BYTES;
  while (offset + FRAME_BYTES <= bytes.length) {
    const length = view.getUint32(offset);
    const checksum = view.getUint32(offset + 4);
    const start = offset + FRAME_BYTES;
    if (length > MAX_RECORD_BYTES || start + length > bytes.length) break;
    const record = bytes.subarray(start, start + length);
    if (crc32(record) !== checksum) break;
    records.push(new Uint8Array(record));
    offset = start + length;
  }
  return { records, validBytes: offset, discardedBytes: bytes.length - offset };
}

function badHeader(): NodeError {
  return new NodeError('BAD_SIGNED_LOG', 'the signed log file does not start with its header', {});
}

export function frameRecords(records: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const record of records) {
    if (record.length > MAX_RECORD_BYTES) {
      throw new NodeError('BAD_SIGNED_LOG', `a signed record of ${record.length} bytes is too large`, {
        bytes: record.length,
      });
    }
    total += FRAME_BYTES + record.length;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const record of records) {
    out.writeUInt32BE(record.length, offset);
    out.writeUInt32BE(crc32(record), offset + 4);
    out.set(record, offset + FRAME_BYTES);
    offset += FRAME_BYTES + record.length;
  }
  return out;
}

export class SignedLogFile {
  private fd: number | null;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * Opens (or creates) the log, returns the records it holds and drops a torn tail, so that new
   * records follow the last valid one.
   */
  static open(path: string): { file: SignedLogFile; contents: SignedLogContents } {
    const fd = openSync(path, 'a+');
    try {
      const contents = parseSignedLog(fstatSync(fd).size === 0 ? new Uint8Array(0) : readFileSync(fd));
      if (contents.validBytes < HEADER_BYTES) {
        ftruncateSync(fd, 0);
        writeSync(fd, MAGIC);
        fdatasyncSync(fd);
      } else if (contents.discardedBytes > 0) {
        ftruncateSync(fd, contents.validBytes);
        fdatasyncSync(fd);
      }
      return { file: new SignedLogFile(fd), contents };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Appends the records in one write and waits until they are on disk. */
  append(records: readonly Uint8Array[]): void {
    this.write(records);
    fdatasyncSync(this.openFd());
  }

  /** Appends the records in one write; they are durable once a later `sync()` resolves. */
  write(records: readonly Uint8Array[]): void {
    const fd = this.openFd();
    const frames = frameRecords(records);
    let written = 0;
    while (written < frames.length) written += writeSync(fd, frames, written);
  }

  /** Makes everything written so far durable, off the event loop. */
  sync(): Promise<void> {
    const fd = this.openFd();
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  /** Empties the log: call only once a snapshot covering every record in it is durable. */
  reset(): void {
    const fd = this.openFd();
    ftruncateSync(fd, HEADER_BYTES);
    fdatasyncSync(fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private openFd(): number {
    if (this.fd === null) throw new NodeError('BAD_SIGNED_LOG', 'the signed log file is closed', {});
    return this.fd;
  }
}
