import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeCommitProof, signCommitStatement } from '../../src/sharding/index.js';
import { dictionaries, format } from '../../web/src/i18n/dict.js';
import { CHAIN_ID, enc, startTestApi, type TestApi } from '../api/harness.js';
import { assertText, chromiumMissing, launchChromium, seriousViolations } from './browser.js';
import { ensurePortalBuilt } from './devnet.js';

// The Final panel in Chromium with a pinned genesis: the node (one validator) serves a block and
// the commit proof its validator signed. Pinning a genesis file that names another validator
// refuses the proof and says the node lists another committee; pinning the node's own genesis
// verifies it; a file that is no genesis is refused with a reason; forgetting goes back to the
// node's keys. The pin is kept across page loads.

const SCREENSHOTS = process.env.GRIDSHARD_SCREENSHOTS ?? join(tmpdir(), 'gridshard-portal-screenshots');
const skip = chromiumMissing();
if (skip) console.log(`# ${skip}`);
const d = dictionaries.en;
const validatorSeed = sha256(enc('validator'));

describe('the Final panel against a pinned genesis, in Chromium', { skip }, () => {
  let t: TestApi;
  let url: string;
  let browser: Browser;
  let height = 0;

  before(async () => {
    ensurePortalBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestApi({ rateLimitPerSecond: 1_000_000 });
    const { block } = await t.node.commitMarket(() => {});
    height = block.header.height;
    const statement = {
      chainId: CHAIN_ID,
      shardId: 0,
      epoch: 0,
      height,
      blockHash: block.hash,
      stateRoot: block.header.stateRoot,
    };
    const signature = signCommitStatement(statement, 0, (m) => ed25519Sign(validatorSeed, m)).signature;
    await t.node.putCommitProof(
      height,
      encodeCommitProof({ statement, signatures: [{ signer: 0, signature }] }),
    );
    url = await t.api.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const genesisBytes = (publicKey: string) =>
    Buffer.from(
      JSON.stringify(
        { ...t.node.genesis, validators: [{ ...t.node.genesis.validators[0], publicKey }] },
        null,
        2,
      ),
    );

  async function pin(page: Page, name: string, bytes: Buffer) {
    await page.getByLabel(d.genesisLoad).setInputFiles({ name, mimeType: 'application/json', buffer: bytes });
  }

  it('refuses the node’s proof under another committee’s genesis and verifies it under its own', async () => {
    const context = await browser.newContext({ locale: 'en', viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${url}/blocks/${height}`);
    const proof = page.getByTestId('commit-proof');
    await assertText(proof, format(d.finalVerified, { signed: 1, size: 1, quorum: 1 }));
    assert.equal(await page.getByTestId('genesis-state').getAttribute('data-state'), 'none');

    // Another committee's genesis: the node's own validator is not in it.
    const otherKey = toHex(ed25519Scheme.publicKeyFromSeed(sha256(enc('somebody else'))));
    const other = genesisBytes(otherKey);
    await pin(page, 'other-genesis.json', other);
    await assertText(page.getByTestId('genesis-state'), toHex(sha256(other)));
    await assertText(proof, format(d.commitSignature, { signer: 0 }));
    assert.equal(await proof.getAttribute('data-state'), 'failed');
    await page.getByTestId('committee-mismatch').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.screenshot({ path: join(SCREENSHOTS, 'final-pinned-other-en.png'), fullPage: true });

    // The pin survives a reload.
    await page.reload();
    await assertText(proof, format(d.commitSignature, { signer: 0 }));

    // Not a genesis file: refused with a reason, the pin unchanged.
    await pin(page, 'notes.json', Buffer.from('{"version": 1, "chainId": "x"}'));
    await page.getByTestId('genesis-error').waitFor();
    await assertText(page.getByTestId('genesis-state'), toHex(sha256(other)));

    // The node's own genesis: verified against the pinned keys.
    const own = genesisBytes(t.node.genesis.validators[0]!.publicKey);
    await pin(page, 'genesis.json', own);
    await assertText(page.getByTestId('genesis-state'), toHex(sha256(own)));
    await assertText(proof, format(d.finalVerified, { signed: 1, size: 1, quorum: 1 }));
    await assertText(page.getByTestId('final-keys-note'), d.finalKeysPinned);
    assert.equal(await page.getByTestId('committee-mismatch').count(), 0);
    assert.deepEqual(await seriousViolations(page), []);

    // Forgetting goes back to the node's keys.
    await page.getByRole('button', { name: d.genesisForget }).click();
    assert.equal(await page.getByTestId('genesis-state').getAttribute('data-state'), 'none');
    await assertText(page.getByTestId('final-keys-note'), d.finalKeysNote);
    await context.close();
  });
});
