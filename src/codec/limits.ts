/** Bounds shared by every encoding that carries them, so the layers that decode agree on them. */

/** A chain id is 1 … 64 UTF-8 bytes in transactions, block headers, genesis and gossip. */
export const MAX_CHAIN_ID_LENGTH = 64;
