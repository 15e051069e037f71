import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256, the hash of the `ed25519-sha256` suite; synchronous so proofs check in one pass. */
export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
