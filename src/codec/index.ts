export { CodecError, type CodecErrorCode } from './errors.js';
export { MAX_CHAIN_ID_LENGTH } from './limits.js';
export { decodeExact, Reader } from './reader.js';
export { varuintLength, Writer } from './writer.js';
