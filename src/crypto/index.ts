export * from './ed25519.js';
export { CryptoError, type CryptoErrorCode } from './errors.js';
export * from './hash.js';
export * from './keystore.js';
export * from './scheme.js';
export { SM2_DEFAULT_ID, SM2P256V1, Sm2, sm2, sm2KeyPairFromSeed, sm2Sign, sm2Verify } from './sm2.js';
