/** The block's commit proof as the block page shows it, and the chain of proofs of a transaction. */
import { useEffect, useState } from 'react';
import type { MessageKey } from '../i18n/dict.js';
import { useI18n } from '../i18n/i18n.js';
import type { CommitCheck } from '../lib/commit-proof.js';
import { type Finality, loadFinality } from '../lib/finality.js';
import { useTrustedGenesis } from '../lib/genesis-store.js';
import type { HeaderFields } from '../lib/header.js';
import { useAsync } from '../lib/use-async.js';
import type { Check } from '../lib/verify.js';
import { HashText } from './bits.js';
import { GenesisPin } from './genesis-pin.js';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Why a proof was refused, in the reader's language. */
export function commitReason(t: T, check: CommitCheck & { ok: false }): string {
  switch (check.reason) {
    case 'header':
      return t('commitHeader');
    case 'malformed':
      return t('commitMalformed', { detail: check.detail });
    case 'otherBlock':
      return t('commitOtherBlock');
    case 'otherCommittee':
      return t('commitOtherCommittee', { shard: check.shardId, epoch: check.epoch });
    case 'belowQuorum':
      return t('commitBelowQuorum', { count: check.count, needed: check.needed });
    case 'order':
      return t('commitOrder', { signer: check.signer });
    case 'outsider':
      return t('commitOutsider', { signer: check.signer });
    case 'signature':
      return t('commitSignature', { signer: check.signer });
    case 'otherGenesis':
      return t('commitOtherGenesis', { chain: check.chainId, shard: check.shardId });
  }
}

const RETRY_MS = 3000;
// About two minutes of asking; after that the reader asks with the button.
const MAX_RETRIES = 40;

/** Loads a block's finality, asking again every few seconds while the node has no proof yet. */
export function useFinality(header: HeaderFields) {
  const [attempt, setAttempt] = useState(0);
  const genesis = useTrustedGenesis();
  const result = useAsync(() => loadFinality(header, genesis), [header.hash, attempt, genesis?.sha256], true);
  const pending = result.state === 'done' && result.value.state === 'pending';
  useEffect(() => {
    if (!pending || attempt >= MAX_RETRIES) return;
    const timer = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
    return () => clearTimeout(timer);
  }, [pending, attempt]);
  return { result, again: () => setAttempt((n) => n + 1) };
}

function Outcome({ finality, again }: { finality: Finality; again: () => void }) {
  const { t } = useI18n();
  if (finality.state === 'pending')
    return (
      <>
        <p data-testid="commit-proof" data-state="pending">
          {t('finalPending')}
        </p>
        <button type="button" onClick={again}>
          {t('finalCheckAgain')}
        </button>
      </>
    );
  if (finality.state === 'unavailable')
    return (
      <p className="error" role="alert" data-testid="commit-proof" data-state="unavailable">
        {t('finalUnavailable', { detail: finality.detail })}
      </p>
    );
  const { check, keys } = finality;
  const disagreement = finality.nodeAgrees === false && (
    <p className="error" data-testid="committee-mismatch">
      {t('finalNodeDisagrees')}
    </p>
  );
  if (!check.ok)
    return (
      <>
        <p className="error" role="alert" data-testid="commit-proof" data-state="failed">
          <span aria-hidden="true">✘ </span>
          {t('finalFailed', { reason: commitReason(t, check) })}
        </p>
        {disagreement}
      </>
    );
  return (
    <>
      <p className="good" data-testid="commit-proof" data-state="verified">
        <span aria-hidden="true">✔ </span>
        {t('finalVerified', { signed: check.signers.length, size: check.size, quorum: check.quorum })}
      </p>
      <h3 id="final-signers-h">{t('finalSigners')}</h3>
      <ul aria-labelledby="final-signers-h" data-testid="commit-signers">
        {check.signers.map((index) => (
          <li key={index}>
            {t('finalSigner', { index })} <HashText value={keys.get(index) ?? ''} />
          </li>
        ))}
      </ul>
      <p className="note" data-testid="final-keys-note">
        {t(finality.source === 'genesis' ? 'finalKeysPinned' : 'finalKeysNote')}
      </p>
      {disagreement}
    </>
  );
}

/** The block page's "Final" panel: the commit proof, checked in this browser against this header. */
export function FinalPanel({ block }: { block: HeaderFields }) {
  const { t } = useI18n();
  if (block.height === 0)
    return (
      <section aria-labelledby="final-h" className="card">
        <h2 id="final-h">{t('finalTitle')}</h2>
        <p data-testid="commit-proof" data-state="genesis">
          {t('finalGenesis')}
        </p>
      </section>
    );
  return <CommitProofPanel block={block} />;
}

function CommitProofPanel({ block }: { block: HeaderFields }) {
  const { t } = useI18n();
  const { result, again } = useFinality(block);
  return (
    <section aria-labelledby="final-h" className="card">
      <h2 id="final-h">{t('finalTitle')}</h2>
      <div aria-live="polite">
        {result.state === 'loading' && <p aria-busy="true">{t('chainChecking')}</p>}
        {result.state === 'failed' && (
          <p className="error" role="alert">
            {t('finalUnavailable', { detail: result.error.message })}
          </p>
        )}
        {result.state === 'done' && <Outcome finality={result.value} again={again} />}
      </div>
      <GenesisPin />
    </section>
  );
}

type LinkState = 'good' | 'bad' | 'waiting';

function ChainLink({ state, name, note }: { state: LinkState; name: string; note: string }) {
  const { t } = useI18n();
  const mark = state === 'good' ? '✔' : state === 'bad' ? '✘' : '…';
  const spoken = state === 'good' ? t('yes') : state === 'bad' ? t('no') : note;
  return (
    <li className={`chain-link ${state === 'waiting' ? 'waiting' : state}`} data-state={state}>
      <span>
        <span aria-hidden="true">{mark}</span> <strong>{name}</strong>
      </span>
      <span className="sr-only">: {spoken}.</span>
      <span className="chain-note" aria-hidden={state === 'waiting'}>
        {note}
      </span>
    </li>
  );
}

/**
 * transaction → Merkle proof → block header → commit proof, one line, each link checked in this
 * browser: the bytes hash to the transaction hash, the proof leads to the header's transaction
 * root, the header re-hashes to the block hash, and a quorum of the committee signed that hash.
 */
export function ProofChain({ check, header }: { check: Check; header: HeaderFields }) {
  const { t } = useI18n();
  const { result } = useFinality(header);
  let commit: { state: LinkState; note: string };
  if (result.state !== 'done') commit = { state: 'waiting', note: t('chainChecking') };
  else {
    const f = result.value;
    if (f.state === 'pending') commit = { state: 'waiting', note: t('chainCommitPending') };
    else if (f.state === 'unavailable')
      commit = { state: 'bad', note: t('finalUnavailable', { detail: f.detail }) };
    else if (f.check.ok)
      commit = {
        state: 'good',
        note: t('chainCommitNote', {
          signed: f.check.signers.length,
          size: f.check.size,
          quorum: f.check.quorum,
        }),
      };
    else commit = { state: 'bad', note: t('chainCommitFailed', { reason: commitReason(t, f.check) }) };
  }
  const mark = (ok: boolean): LinkState => (ok ? 'good' : 'bad');
  return (
    <>
      <h3 id="chain-h">{t('chainTitle')}</h3>
      <ol className="proof-chain" aria-labelledby="chain-h" data-testid="proof-chain">
        <ChainLink state={mark(check.content)} name={t('chainTx')} note={t('stepContent')} />
        <ChainLink state={mark(check.proof)} name={t('chainMerkle')} note={t('stepProof')} />
        <ChainLink state={mark(check.headerHash)} name={t('chainHeader')} note={t('stepHeader')} />
        <ChainLink state={commit.state} name={t('chainCommit')} note={commit.note} />
      </ol>
    </>
  );
}
