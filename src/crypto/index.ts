export * from './ed25519.js';
export { CryptoError, type CryptoErrorCode } from './errors.js';
export * from './hash.js';
