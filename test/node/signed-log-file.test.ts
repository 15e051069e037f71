import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeError } from '../../src/node/errors.js';
import { parseSignedLog, SignedLogFile } from '../../src/node/signed-log-file.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-signed-log-'));
after(() => rmSync(root, { recursive: true, force: true }));

const record = (k: number, length = 5 + k * 3) => Uint8Array.from({ length }, (_, i) => (k * 31 + i) & 0xff);
let counter = 0;
const freshPath = () => join(root, `log-${counter++}`);

function written(path: string, batches: Uint8Array[][]): void {
  const { file } = SignedLogFile.open(path);
  for (const batch of batches) file.append(batch);
  file.close();
}

describe('signed log file', () => {
  it('reads back what was appended, in order, across reopenings', () => {
    const path = freshPath();
    written(path, [[record(0), record(1)], [record(2)]]);
    const { file, contents } = SignedLogFile.open(path);
    assert.deepEqual(contents.records, [record(0), record(1), record(2)]);
    assert.equal(contents.discardedBytes, 0);
    file.append([record(3)]);
    file.close();
    assert.deepEqual(SignedLogFile.open(path).contents.records.length, 4);
  });

  it('is empty when missing, zero-length, reset, or cut inside its header', () => {
    const missing = freshPath();
    const opened = SignedLogFile.open(missing);
    assert.deepEqual(opened.contents.records, []);
    opened.file.append([record(1)]);
    opened.file.reset();
    opened.file.close();
    assert.deepEqual(SignedLogFile.open(missing).contents.records, []);
    const empty = freshPath();
    writeFileSync(empty, new Uint8Array(0));
    assert.deepEqual(parseSignedLog(new Uint8Array(0)).records, []);
    const { file, contents } = SignedLogFile.open(empty);
    assert.deepEqual(contents.records, []);
    file.append([record(7)]);
    file.close();
    assert.deepEqual(SignedLogFile.open(empty).contents.records, [record(7)]);
    const cut = freshPath();
    written(cut, [[record(1)]]);
    truncateSync(cut, 3);
    assert.deepEqual(SignedLogFile.open(cut).contents.records, []);
  });

  it('keeps every whole record before a write torn at any byte, and appends after them', () => {
    const path = freshPath();
    written(path, [[record(0), record(1)], [record(2, 40)]]);
    const full = readFileSync(path);
    const lastStart = full.length - (8 + 40);
    for (let cutAt = lastStart; cutAt < full.length; cutAt++) {
      const torn = freshPath();
      writeFileSync(torn, full.subarray(0, cutAt));
      const { file, contents } = SignedLogFile.open(torn);
      assert.deepEqual(contents.records, [record(0), record(1)], `cut at ${cutAt}`);
      assert.equal(contents.discardedBytes, cutAt - lastStart);
      assert.equal(statSync(torn).size, lastStart, 'the torn tail is dropped on open');
      file.append([record(9)]);
      file.close();
      assert.deepEqual(SignedLogFile.open(torn).contents.records, [record(0), record(1), record(9)]);
    }
  });

  it('stops at a record whose checksum does not match, or whose length is absurd', () => {
    const path = freshPath();
    written(path, [[record(0), record(1), record(2)]]);
    const full = readFileSync(path);
    const secondPayload = 8 + 8 + record(0).length + 8;
    const flipped = Buffer.from(full);
    flipped[secondPayload + 2]! ^= 0x10;
    assert.deepEqual(parseSignedLog(flipped).records, [record(0)]);
    const badSum = Buffer.from(full);
    badSum[8 + 4]! ^= 1;
    assert.deepEqual(parseSignedLog(badSum).records, []);
    const huge = Buffer.from(full);
    huge.writeUInt32BE(0xffff_fff0, 8);
    assert.equal(parseSignedLog(huge).records.length, 0);
    assert.equal(parseSignedLog(huge).discardedBytes, full.length - 8);
  });

  it('refuses a file that is not a signed log, and use after close, with typed errors', () => {
    const path = freshPath();
    writeFileSync(path, 'not a log at all');
    assert.throws(
      () => SignedLogFile.open(path),
      (e: unknown) => e instanceof NodeError && e.code === 'BAD_SIGNED_LOG',
    );
    assert.equal(readFileSync(path, 'utf8'), 'not a log at all', 'left untouched');
    const { file } = SignedLogFile.open(freshPath());
    file.close();
    assert.throws(
      () => file.append([record(1)]),
      (e: unknown) => e instanceof NodeError && e.code === 'BAD_SIGNED_LOG',
    );
  });
});
