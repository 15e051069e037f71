import { useState } from 'react';
import { Field, Fields, HashText, Loaded, Step, Verdict } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import type { Block } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { checkState, type StateAnswer } from '../lib/verify.js';
import { navigate } from '../router.js';

async function load(key: string) {
  const answer = await api.get<StateAnswer>(`/api/v1/state/${key}`);
  const block = await api.get<Block>(`/api/v1/blocks/${answer.height}`);
  return { answer, check: checkState(answer, block) };
}

function Result({ keyHex }: { keyHex: string }) {
  const { t } = useI18n();
  const result = useAsync(() => load(keyHex), [keyHex]);
  return (
    <Loaded result={result}>
      {({ answer, check }) => (
        <>
          <section aria-labelledby="sp-h" className="card">
            <h2 id="sp-h">
              {t('proofTitle')}: <Verdict ok={check.verified} />
            </h2>
            <ul className="steps">
              <Step ok={check.headerHash}>{t('stepHeader')}</Step>
              <Step ok={check.proof}>{t('stepStateProof')}</Step>
            </ul>
          </section>
          <Fields>
            <Field name={t('stateValue')}>
              {answer.value === null ? t('absent') : <HashText value={answer.value} />}
            </Field>
            <Field name={t('atHeight')}>{answer.height}</Field>
            <Field name={t('stateRoot')}>
              <HashText value={answer.stateRoot} />
            </Field>
          </Fields>
        </>
      )}
    </Loaded>
  );
}

export function StatePage({ initialKey }: { initialKey: string }) {
  const { t } = useI18n();
  const [key, setKey] = useState(initialKey);
  const valid = /^([0-9a-f]{2}){1,512}$/.test(initialKey);
  return (
    <>
      <h1>{t('stateTitle')}</h1>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/state?key=${encodeURIComponent(key.trim().toLowerCase())}`);
        }}
      >
        <label htmlFor="state-key">{t('stateKeyLabel')}</label>
        <input
          id="state-key"
          className="wide"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <button type="submit">{t('lookUp')}</button>
      </form>
      {valid && <Result keyHex={initialKey} />}
    </>
  );
}
