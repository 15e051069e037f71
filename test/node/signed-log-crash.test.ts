import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DagMessage, dagProtocol, digestKey, headerDigest } from '../../src/consensus/dag/index.js';
import { createNetworkFiles } from '../../src/devnet/devnet.js';
import { Supervisor } from '../../src/devnet/supervisor.js';
import { Prng } from '../../src/kit/prng.js';
import { GridShardClient } from '../../src/sdk/client.js';
import { readingSubmitter, settled } from './load.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-signed-log-crash-'));
const cli = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];
// Ports from the process id, clear of the other multi-process tests' ranges.
// Below the kernel's ephemeral range (32768 and up), where outgoing connections could take a port first.
const p2pBase = 11_000 + (process.pid % 400) * 10;
const apiBase = p2pBase + 5_000;
const VICTIM = 3;

let supervisor: Supervisor | null = null;
after(async () => {
  await supervisor?.stopAll(5000);
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The headers and votes a validator sent, from its capture file (a frame cut by a kill ends it). */
function captured(dir: string, index: number): DagMessage[] {
  const path = join(dir, `validator-${index}`, 'sent-capture.bin');
  if (!existsSync(path)) return [];
  const bytes = readFileSync(path);
  const messages: DagMessage[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    if (offset + 4 + length > bytes.length) break;
    messages.push(dagProtocol.decodeMessage(bytes.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return messages;
}

describe('a validator killed with -9 while voting under load', () => {
  it('never signs two different headers for a round or two votes for a slot across restarts', async () => {
    const dir = join(root, 'net');
    const genesis = createNetworkFiles({
      dir,
      chainId: 'wal-test',
      validators: 4,
      host: '127.0.0.1',
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      password: 'test-password',
      genesisTimeMs: Date.now(),
      scryptCost: { n: 2 ** 10, r: 8, p: 1 },
      passwordFile: '../password',
    });
    writeFileSync(join(dir, 'password'), 'test-password');
    const apis = genesis.validators.map((v) => v.api);
    supervisor = new Supervisor(dir, apis, cli, {
      ...process.env,
      GRIDSHARD_LOG_LEVEL: 'warn',
      GRIDSHARD_TEST_SENT_CAPTURE: '1',
    });
    supervisor.startAll();
    await supervisor.waitHealthy(120_000);
    const clients = apis.map((api) => new GridShardClient(api, 10_000));
    const submit = readingSubmitter(clients, 'wal-test', 'meter');
    const random = new Prng(0x5eed);

    let next = 0;
    for (let kill = 0; kill < 2; kill++) {
      // Load goes through the validators that stay up; the victim votes on every header of it.
      const before = captured(dir, VICTIM).length;
      const load = submit(next, 300, [0, 1, 2]);
      next += 300;
      // Kill only once the victim is signing this load: on a quiet machine the load can be ordered
      // in a few large rounds, and a kill before them would test nothing.
      const deadline = Date.now() + 30_000;
      while (captured(dir, VICTIM).length < before + 4) {
        assert.ok(Date.now() < deadline, `the victim signed nothing of load ${kill} within 30 s`);
        await sleep(25);
      }
      await sleep(random.int(300));
      supervisor.kill(VICTIM, 'SIGKILL');
      while (supervisor.nodes[VICTIM]!.process !== null) await sleep(20);
      await load;
      supervisor.start(VICTIM);
      await supervisor.waitHealthy(60_000);
    }
    await submit(next, 100, [0, 1, 2]);
    const final = await settled(clients, 90_000);
    assert.equal(new Set(final.map((s) => s.stateRoot)).size, 1, 'the restarted validator agrees');
    await supervisor.stopAll();
    supervisor = null;

    const sent = [0, 1, 2, 3].map((i) => captured(dir, i));
    const slotOf = new Map<string, string>();
    for (const messages of sent)
      for (const m of messages)
        if (m.type === 'header')
          slotOf.set(digestKey(headerDigest(m.header)), `${m.header.author}:${m.header.round}`);
    for (const [index, messages] of sent.entries()) {
      const signed = new Map<string, Set<string>>();
      for (const m of messages) {
        const digest =
          m.type === 'header' ? headerDigest(m.header) : m.type === 'vote' ? m.vote.headerDigest : null;
        if (digest === null) continue;
        const key = digestKey(digest);
        const slot =
          m.type === 'header' ? `header ${m.header.round}` : `vote ${slotOf.get(key) ?? `unknown ${key}`}`;
        const set = signed.get(slot) ?? new Set<string>();
        set.add(key);
        signed.set(slot, set);
      }
      for (const [slot, digests] of signed)
        assert.equal(digests.size, 1, `validator ${index} signed ${digests.size} statements for ${slot}`);
      if (index === VICTIM) {
        const headers = [...signed.keys()].filter((s) => s.startsWith('header')).length;
        const votes = signed.size - headers;
        // Each kill came after at least four signed statements of its load (above); a machine's
        // pace decides how many more (3 headers and 8 votes on a quiet run, 5 and 16 on another).
        assert.ok(headers >= 2 && votes >= 4, `the victim took part: ${headers} headers, ${votes} votes`);
      }
    }
  });
});
