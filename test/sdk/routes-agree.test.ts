import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import {
  operationKey,
  ROUTES,
  type RouteDeclaration,
  type RouteName,
  SERVER_ONLY,
} from '../../src/routes/index.js';
import { GridShardClient } from '../../src/sdk/client.js';
import { encodeCommitProof, signCommitStatement } from '../../src/sharding/index.js';
import { CHAIN_ID, enc, startTestApi, type TestApi } from '../api/harness.js';

/**
 * The SDK and the OpenAPI document the server generates describe the same API: every request an
 * SDK method sends is a documented operation whose method, path and schemas are its route's
 * declaration, and every documented operation is reached by some SDK method or listed as
 * server-only with a reason. The SDK is driven against a real server, and what it sends is read
 * off the wire (fetch), not from the client's own code.
 */

type Operation = Record<string, unknown> & {
  parameters?: { in: string; name: string; required: boolean; schema: unknown }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses?: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const seed = sha256(enc('routes agree member'));
const signer = ed25519Scheme.signer(seed);
const memberKey = toHex(signer.publicKey);

/** The operation a declaration must appear as in the document (@fastify/swagger's OpenAPI 3 form). */
function expectedOperation(route: RouteDeclaration): Operation {
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  const params = route.params as { properties?: Record<string, unknown> } | undefined;
  const security = {
    public: undefined,
    'private-keys': [{}, { bearer: [] }],
    'owner-or-regulator': [{ bearer: [] }],
  }[route.auth];
  return {
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [...route.tags],
    ...(security === undefined ? {} : { security }),
    ...(params?.properties === undefined
      ? {}
      : {
          parameters: Object.entries(params.properties).map(([name, schema]) => ({
            schema,
            in: 'path',
            name,
            required: true,
          })),
        }),
    ...(route.body === undefined ? {} : { requestBody: { required: true, content: json(route.body) } }),
    responses: Object.fromEntries(
      Object.entries(route.response).map(([status, schema]) => {
        // Declared headers become the answer's headers, with their descriptions beside the schema.
        const { headers, ...body } = schema as { headers?: Record<string, { description?: string }> };
        if (headers === undefined)
          return [status, { description: 'Default Response', content: json(schema) }];
        const documented = Object.fromEntries(
          Object.entries(headers).map(([name, { description, ...headerSchema }]) => [
            name,
            { schema: headerSchema, ...(description === undefined ? {} : { description }) },
          ]),
        );
        return [status, { description: 'Default Response', headers: documented, content: json(body) }];
      }),
    ),
  };
}

/** The document's path template that a concrete request path matches. */
function templateOf(openapi: OpenApi, method: string, path: string): string | undefined {
  return Object.keys(openapi.paths).find((template) => {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    return pattern.test(path) && openapi.paths[template]![method.toLowerCase()] !== undefined;
  });
}

describe('the SDK and /openapi.json agree', () => {
  let t: TestApi;
  let openapi: OpenApi;
  let client: GridShardClient;
  const sent: { method: string; path: string }[] = [];
  const realFetch = globalThis.fetch;

  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 1_000_000, authRateLimitPerSecond: 1_000_000 });
    const url = await t.api.listen({ host: '127.0.0.1', port: 0 });
    openapi = (await t.api.inject('/openapi.json')).json() as OpenApi;
    client = new GridShardClient(url);
    globalThis.fetch = async (input, init) => {
      const target = new URL(String(input));
      sent.push({ method: init?.method ?? 'GET', path: target.pathname });
      return realFetch(input, init);
    };
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await t.close();
  });

  it('every SDK method sends documented operations, with the declaration’s method, path and schemas', async () => {
    t.node.setMember(signer.publicKey, 'generator', 'approved');
    const { block } = await t.node.commitMarket(() => {});
    const txHash = toHex(block.txHashes[0]!);
    const txBytes = (await t.node.store.readTransaction(block.txHashes[0]!))!.bytes;
    const blockHash = toHex(block.hash);
    let token = '';

    // One call per public method of the client: a method added without a line here fails below.
    const calls: Record<string, () => Promise<unknown>> = {
      status: () => client.status(),
      health: () => client.health(),
      network: () => client.network(),
      zones: async () => assert.deepEqual(await client.zones(), { shardId: 0, zones: [] }),
      sharding: () => client.sharding().catch(() => 'not sharded'),
      crossTrade: async () => assert.equal(await client.crossTrade('00'.repeat(32)), null),
      crossAccount: async () => assert.equal(await client.crossAccount('nobody'), null),
      sendVoteShare: () => client.sendVoteShare('00', '00').catch(() => 'not sharded'),
      cycleMasters: () => client.cycleMasters(3).catch(() => 'not sharded'),
      roles: async () => assert.equal((await client.roles()).nodes.length, 1),
      submit: () => client.submit(new Uint8Array([0])).catch(() => 'refused'),
      submitMany: () => client.submitMany([new Uint8Array([0]), txBytes]),
      submitUntilCommitted: () => client.submitUntilCommitted(txBytes, { deadlineMs: 60_000 }),
      transaction: () => client.transaction(txHash),
      waitForTransaction: () => client.waitForTransaction(txHash),
      block: () => client.block(block.header.height),
      blockByHash: () => client.blockByHash(blockHash),
      blockTransactions: () => client.blockTransactions(block.header.height),
      commitProof: async () => {
        assert.equal(await client.commitProof(block.header.height), null, 'none collected yet');
        const statement = {
          chainId: CHAIN_ID,
          shardId: 0,
          epoch: 0,
          height: block.header.height,
          blockHash: block.hash,
          stateRoot: block.header.stateRoot,
        };
        const proof = encodeCommitProof({
          statement,
          signatures: [0, 1, 2].map((i) => ({
            signer: i,
            signature: signCommitStatement(statement, i, (m) => signer.sign(m)).signature,
          })),
        });
        await t.node.putCommitProof(block.header.height, proof);
        const answer = await client.commitProof(block.header.height);
        assert.deepEqual(answer?.signers, [0, 1, 2]);
        assert.equal(answer?.proof, toHex(proof));
        assert.equal(answer?.blockHash, blockHash);
      },
      state: () => client.state('ab'),
      stateProof: () => client.stateProof('ab'),
      openSession: async () => {
        token = (await client.openSession(signer, CHAIN_ID)).token;
      },
      marketCycle: () => client.marketCycle('c1'),
      marketMember: () => client.marketMember(memberKey),
      marketStatement: () => client.marketStatement('c1', memberKey, { token }),
      marketContracts: () => client.marketContracts('c1', memberKey, { token }),
      marketAwaiting: () => client.marketAwaiting('c1', memberKey, { token }),
      gridPowerFlow: async () =>
        assert.equal(await client.gridPowerFlow('c1', 0, memberKey, { token }), null),
    };
    const methods = Object.getOwnPropertyNames(GridShardClient.prototype).filter(
      (name) =>
        !['constructor', 'request', 'send', 'found', 'answer', 'rotate', 'baseUrl'].includes(name) &&
        typeof Object.getOwnPropertyDescriptor(GridShardClient.prototype, name)?.value === 'function',
    );
    assert.deepEqual(methods.sort(), Object.keys(calls).sort());

    const committed = (await calls.submitUntilCommitted!()) as { hash: string };
    assert.equal(committed.hash, txHash);
    for (const [name, call] of Object.entries(calls)) await assert.doesNotReject(call(), name);
    assert.notEqual(token, '', 'a session was opened');
    assert.deepEqual(await client.marketContracts('c1', memberKey, { token }), {
      cycleId: 'c1',
      member: memberKey,
      contracts: [],
    });
    assert.deepEqual(await client.marketAwaiting('c1', memberKey, { token }), {
      cycleId: 'c1',
      member: memberKey,
      awaiting: [],
    });

    const declarations = new Map(Object.values(ROUTES).map((route) => [operationKey(route), route]));
    for (const { method, path } of sent) {
      const template = templateOf(openapi, method, path);
      assert.ok(template !== undefined, `${method} ${path} is not a documented operation`);
      const route = declarations.get(`${method} ${template}`);
      assert.ok(route !== undefined, `${method} ${template} has no declaration`);
      assert.deepEqual(openapi.paths[template]![method.toLowerCase()], expectedOperation(route), template);
    }
  });

  it('every documented operation is reached by the SDK or listed as server-only, and every declaration is documented unless undocumented', () => {
    const reached = new Set(sent.map(({ method, path }) => `${method} ${templateOf(openapi, method, path)}`));
    const serverOnly = new Set(
      Object.keys(SERVER_ONLY).map((name) => operationKey(ROUTES[name as RouteName])),
    );
    const documented = Object.entries(openapi.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.ok(documented.length >= 18, `${documented.length} documented operations`);
    for (const operation of documented)
      assert.ok(
        reached.has(operation) || serverOnly.has(operation),
        `${operation}: no SDK method, not server-only`,
      );
    for (const operation of serverOnly)
      assert.ok(!reached.has(operation), `${operation} is server-only yet called`);

    const declared: RouteDeclaration[] = Object.values(ROUTES);
    assert.deepEqual(
      declared
        .filter((route) => !route.undocumented)
        .map(operationKey)
        .sort(),
      [...documented].sort(),
    );
    for (const route of declared.filter((r) => r.undocumented))
      assert.ok(
        serverOnly.has(operationKey(route)),
        `${operationKey(route)} is undocumented and not server-only`,
      );
  });
});
