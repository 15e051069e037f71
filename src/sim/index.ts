export { adapterFor, PROTOCOL_NAMES, type ProtocolAdapter, type ProtocolName } from './adapters/index.js';
export { type CampaignOptions, type CampaignReport, replayCommand, runCampaign } from './campaign.js';
export { SimError, type SimErrorCode } from './errors.js';
export { type RunOptions, type RunResult, runSimulation } from './run.js';
export { parseStrategy, STRATEGIES, type Strategy, strategyFor } from './strategies.js';
