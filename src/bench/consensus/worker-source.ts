/**
 * The verification worker, kept as source text and started with `eval: true`: it then runs the
 * same way under tsx in development and from the compiled package, with no loader to configure.
 * It only uses node:crypto, so every Ed25519 operation is OpenSSL's native code.
 *
 * Jobs: `sign` builds transactions for a range of nonces; `verify` checks a packed buffer of
 * transactions and answers one byte per transaction; `calibrate` verifies in a tight loop for a
 * fixed time, which measures the machine's native verification rate on one core.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const { txLength, signedLength, magic } = workerData;
const publicKeys = workerData.publicKeys.map((p) =>
  crypto.createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(p)]), format: 'der', type: 'spki' }));
const privateKeys = workerData.seeds.map((s) =>
  crypto.createPrivateKey({ key: Buffer.concat([PKCS8, Buffer.from(s)]), format: 'der', type: 'pkcs8' }));

function verifyAt(buf, off) {
  const key = publicKeys[buf.readUInt16BE(off + 4)];
  if (key === undefined || buf.readUInt32BE(off) !== magic) return false;
  return crypto.verify(null, buf.subarray(off, off + signedLength), key, buf.subarray(off + signedLength, off + txLength));
}

parentPort.on('message', (job) => {
  if (job.op === 'verify') {
    const start = performance.now();
    const buf = Buffer.from(job.buffer);
    const count = buf.length / txLength;
    const ok = new Uint8Array(count);
    for (let i = 0; i < count; i++) ok[i] = verifyAt(buf, i * txLength) ? 1 : 0;
    parentPort.postMessage({ id: job.id, ok, ms: performance.now() - start }, [ok.buffer]);
  } else if (job.op === 'sign') {
    const out = Buffer.alloc(job.count * txLength);
    for (let i = 0; i < job.count; i++) {
      const nonce = job.startNonce + i;
      const client = nonce % privateKeys.length;
      const off = i * txLength;
      out.writeUInt32BE(magic, off);
      out.writeUInt16BE(client, off + 4);
      out.writeUInt32BE(0, off + 6);
      out.writeUInt32BE(nonce, off + 10);
      // A deterministic payload standing in for an order or a meter reading.
      for (let k = 14; k < signedLength; k++) out[off + k] = (nonce * 31 + k * 7) & 0xff;
      const sig = crypto.sign(null, out.subarray(off, off + signedLength), privateKeys[client]);
      sig.copy(out, off + signedLength);
    }
    const ab = out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
    parentPort.postMessage({ id: job.id, buffer: ab }, [ab]);
  } else if (job.op === 'calibrate') {
    const buf = Buffer.from(job.buffer);
    const count = buf.length / txLength;
    let done = 0;
    const start = performance.now();
    const end = start + job.ms;
    while (performance.now() < end) {
      for (let k = 0; k < 16; k++) { verifyAt(buf, (done % count) * txLength); done++; }
    }
    parentPort.postMessage({ id: job.id, done, ms: performance.now() - start });
  }
});
`;
