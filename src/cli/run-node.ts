import { readFileSync } from 'node:fs';
import pino from 'pino';
import { apiLimitsFromEnv } from '../api/limits.js';
import { buildApi } from '../api/server.js';
import { decryptKeystore, decryptSecretFile } from '../crypto/keystore.js';
import { loadHighs } from '../grid/highs.js';
import { chainApplication } from '../market/grid-plugins.js';
import { type ConfigOverrides, loadNodeConfig, readPassword } from '../node/config.js';
import { DkgParticipant } from '../node/dkg-participant.js';
import { NodeError } from '../node/errors.js';
import { consensusOf, readGenesisFile } from '../node/genesis-file.js';
import { chainNodesOf } from '../node/genesis-handover.js';
import { HandoverVoter } from '../node/handover-voter.js';
import { GridShardNode } from '../node/node.js';
import { startSharding } from '../node/sharding-roles.js';
import { EquivocationReporter } from '../roles/equivocation-reporter.js';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NodeError('BAD_CONFIG', `cannot read the ${what} at ${path}: ${(error as Error).message}`, {});
  }
}

/** Starts a validator node and its API from a config file; resolves once both are up. */
export async function runNode(configPath: string, overrides: ConfigOverrides, env: NodeJS.ProcessEnv) {
  const config = loadNodeConfig(configPath, env, overrides);
  const genesis = readGenesisFile(config.genesis);
  const password = readPassword(config, env);
  const { seed } = decryptKeystore(readJson(config.keystore, 'keystore'), password);
  // Only the DAG has a coin; a PBFT validator signs with its keystore's key alone, and a standby
  // node holds no share of the genesis coin (each committee it joins generates its keys).
  const standby = config.validatorIndex !== undefined && config.validatorIndex >= genesis.validators.length;
  const coinSecretShare =
    consensusOf(genesis) === 'dag' && !standby
      ? decryptSecretFile(readJson(config.coinShare, 'coin share'), 'coin-share', password)
      : undefined;
  const log = pino({ level: config.logLevel, base: { validator: config.validatorIndex } });
  const application = chainApplication(await loadHighs());
  const node = await GridShardNode.start(
    config,
    genesis,
    { signingSeed: seed, ...(coinSecretShare === undefined ? {} : { coinSecretShare }) },
    application,
    log,
  );
  const sharded = startSharding(node, genesis, seed, log);
  const reporter = new EquivocationReporter({
    chainId: genesis.chainId,
    shardId: genesis.shardId,
    signingSeed: seed,
    proofs: () => node.equivocationProofs(),
    state: () => {
      const view = node.store.committed;
      return { get: (key) => view.getState(key) };
    },
    submit: (bytes) => node.submit(bytes),
    now: () => Date.now(),
    warn: (message, data) => log.warn(data, message),
  });
  const keyGeneration = new DkgParticipant({
    chainId: genesis.chainId,
    shardId: genesis.shardId,
    signingSeed: seed,
    dataDir: config.dataDir,
    state: () => {
      const view = node.store.committed;
      return { get: (key) => view.getState(key) };
    },
    submit: (bytes) => node.submit(bytes),
    now: () => Date.now(),
    log: {
      info: (fields, message) => log.info(fields, message),
      warn: (fields, message) => log.warn(fields, message),
    },
  });
  const voter = node.epochs
    ? new HandoverVoter({
        chainId: genesis.chainId,
        shardId: genesis.shardId,
        nodes: chainNodesOf(genesis),
        signingSeed: seed,
        committed: () => {
          const view = node.store.committed;
          return { state: { get: (key) => view.getState(key) }, header: node.store.headBlockHeader };
        },
        readBlockHeader: async (height) => (await node.store.readBlock(height))?.header,
        submit: (bytes) => node.submit(bytes),
        now: () => Date.now(),
        log: {
          info: (fields, message) => log.info(fields, message),
          warn: (fields, message) => log.warn(fields, message),
        },
      })
    : null;
  if (voter !== null) node.handover = voter;
  node.on('block', () => {
    reporter.check();
    keyGeneration.check();
    voter?.check();
  });
  const api = await buildApi(node, {
    host: config.apiHost,
    port: config.apiPort,
    limits: apiLimitsFromEnv(env),
  });
  await api.listen({ host: config.apiHost, port: config.apiPort });
  log.info({ api: `http://${config.apiHost}:${config.apiPort}` }, 'API listening');
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info({}, 'stopping');
      sharded?.stop();
      await api.close();
      await node.stop();
    })();
    return stopping;
  };
  return { node, api, stop };
}
