export {
  COIN_SHARE_LENGTH,
  COIN_VALUE_LENGTH,
  coinLeader,
  coinName,
  combineCoinShares,
  createCoinShare,
  type IndexedShare,
  verifyCoinShare,
} from './coin.js';
export { type CoinDeal, type CoinPublicKeys, dealCoinKeys, verificationKeyOfShare } from './dealer.js';
export {
  type Complaint,
  type Dealing,
  type DkgParameters,
  deal,
  dealingIsWellFormed,
  dkgPublicKeys,
  dkgSecretShare,
  type Justification,
  type PrivateShare,
  qualifiedDealers,
  shareMatches,
} from './dkg.js';
export { CoinError, type CoinErrorCode } from './errors.js';
