/**
 * Registration and market-access application of a generation company or power user: the form
 * checks the chain's rules as they are typed (the rule beside each refusal), signs the `register`
 * transaction with the unlocked key, and then follows the registry entry to the audit's verdict.
 */
import { useEffect, useState } from 'react';
import { ErrorNote, HashText } from '../components/bits.js';
import { SignerPanel } from '../components/signer.js';
import { type TradeKey, useTradeText } from '../i18n/trade-text.js';
import { type AccessDecision, checkRegistration, type RegistrationProblem } from '../lib/access-rules.js';
import { memberOf, type PublicMember, type Receipt, sendAction } from '../lib/market-chain.js';
import type { Project } from '../lib/market-tx.js';
import { type SigningKey, useSigningKey } from '../lib/signing-key.js';
import { useAsync } from '../lib/use-async.js';

const FOLLOW_MS = 3000;
const WHOLE = /^\d{1,9}$/;

interface ProjectForm {
  technology: string;
  capacityKw: string;
  ownMaxLoadKw: string;
  bus: string;
  voltageKv: string;
  absorbedLocally: boolean;
}

const emptyProject = (): ProjectForm => ({
  technology: 'pv',
  capacityKw: '',
  ownMaxLoadKw: '0',
  bus: '',
  voltageKv: '',
  absorbedLocally: false,
});

const num = (s: string) => (WHOLE.test(s.trim()) ? Number(s.trim()) : Number.NaN);

const PROBLEM_TEXT: Record<RegistrationProblem, TradeKey> = {
  nameLength: 'ruleName',
  noProjects: 'ruleNoProjects',
  projectsNotAllowed: 'ruleProjectsNotAllowed',
  tooManyProjects: 'ruleTooManyProjects',
  technologyLength: 'ruleTechnology',
  userLoad: 'ruleUserLoad',
  userVoltage: 'ruleUserVoltage',
  noneAdmitted: 'ruleNoneAdmitted',
};

const RULE_TEXT: Record<AccessDecision['rule'], TradeKey> = {
  small: 'accessSmall',
  large: 'accessLarge',
  noCapacity: 'accessNoCapacity',
  smallVoltage: 'accessSmallVoltage',
  over50: 'accessOver50',
  largeVoltage: 'accessLargeVoltage',
  absorb: 'accessAbsorb',
};

function Decision({ d, index }: { d: AccessDecision; index: number }) {
  const tt = useTradeText();
  return (
    <p className={d.admitted ? 'good' : 'bad'} data-testid={`project-${index}-decision`}>
      {d.admitted ? tt('projectAdmitted', { kw: d.netKw }) : tt('projectRefused', { reason: d.reason })}{' '}
      <span className="note">
        {tt('ruleLabel')}: {tt(RULE_TEXT[d.rule])}
      </span>
    </p>
  );
}

function NumberField(props: { id: string; label: string; value: string; onChange: (v: string) => void }) {
  const tt = useTradeText();
  const bad = props.value.trim() !== '' && !WHOLE.test(props.value.trim());
  return (
    <div className="stack">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        inputMode="numeric"
        value={props.value}
        aria-invalid={bad}
        aria-describedby={bad ? `${props.id}-bad` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {bad && (
        <span id={`${props.id}-bad`} className="error">
          {tt('wholeNumber')}
        </span>
      )}
    </div>
  );
}

function ProjectRow(props: {
  index: number;
  p: ProjectForm;
  onChange: (p: ProjectForm) => void;
  onRemove: () => void;
  decision: AccessDecision | undefined;
}) {
  const tt = useTradeText();
  const { index, p } = props;
  const set = (field: keyof ProjectForm) => (v: string) => props.onChange({ ...p, [field]: v });
  const id = (f: string) => `project-${index}-${f}`;
  return (
    <fieldset className="card">
      <legend>{tt('projectN', { n: index })}</legend>
      <div className="form-grid">
        <div className="stack">
          <label htmlFor={id('technology')}>{tt('technology')}</label>
          <input
            id={id('technology')}
            value={p.technology}
            onChange={(e) => set('technology')(e.target.value)}
          />
        </div>
        <NumberField
          id={id('capacity')}
          label={tt('capacityKw')}
          value={p.capacityKw}
          onChange={set('capacityKw')}
        />
        <NumberField
          id={id('ownload')}
          label={tt('ownMaxLoadKw')}
          value={p.ownMaxLoadKw}
          onChange={set('ownMaxLoadKw')}
        />
        <NumberField id={id('bus')} label={tt('connectionBus')} value={p.bus} onChange={set('bus')} />
        <NumberField
          id={id('voltage')}
          label={tt('voltageKv')}
          value={p.voltageKv}
          onChange={set('voltageKv')}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={p.absorbedLocally}
            onChange={(e) => props.onChange({ ...p, absorbedLocally: e.target.checked })}
          />
          {tt('absorbedLocally')}
        </label>
      </div>
      {props.decision !== undefined && <Decision d={props.decision} index={index} />}
      <button type="button" className="quiet" onClick={props.onRemove}>
        {tt('removeProject', { n: index })}
      </button>
    </fieldset>
  );
}

function RegisterForm({ signer, onSent }: { signer: SigningKey; onSent: (r: Receipt) => void }) {
  const tt = useTradeText();
  const [role, setRole] = useState<'generator' | 'user'>('generator');
  const [name, setName] = useState('');
  const [bus, setBus] = useState('');
  const [voltageKv, setVoltageKv] = useState('');
  const [maxLoadKw, setMaxLoadKw] = useState('0');
  const [projects, setProjects] = useState<ProjectForm[]>([emptyProject()]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const parsedProjects: Project[] =
    role === 'generator'
      ? projects.map((p) => ({
          technology: p.technology.trim(),
          capacityKw: num(p.capacityKw),
          ownMaxLoadKw: num(p.ownMaxLoadKw),
          bus: num(p.bus),
          voltageKv: num(p.voltageKv),
          absorbedLocally: p.absorbedLocally,
        }))
      : [];
  const numbers = [
    num(bus),
    num(voltageKv),
    num(maxLoadKw),
    ...parsedProjects.flatMap((p) => [p.capacityKw, p.ownMaxLoadKw, p.bus, p.voltageKv]),
  ];
  const complete = numbers.every(Number.isFinite);
  const registration = {
    role,
    name: name.trim(),
    bus: num(bus),
    voltageKv: num(voltageKv),
    maxLoadKw: num(maxLoadKw),
    projects: parsedProjects,
  };
  const check = complete ? checkRegistration(registration) : null;
  const blocked = check === null || check.problems.length > 0;

  return (
    <form
      aria-labelledby="register-h"
      onSubmit={async (event) => {
        event.preventDefault();
        if (blocked) return;
        setBusy(true);
        setError(null);
        try {
          onSent(await sendAction(signer.seed, { type: 'register', ...registration }));
        } catch (e) {
          setError(e instanceof Error ? e : new Error(String(e)));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="register-h">{tt('registerTitle')}</h2>
      <p className="note">{tt('registerNote')}</p>
      <div className="form-grid">
        <div className="stack">
          <label htmlFor="reg-role">{tt('memberRole')}</label>
          <select
            id="reg-role"
            value={role}
            onChange={(e) => setRole(e.target.value as 'generator' | 'user')}
          >
            <option value="generator">{tt('roleGenerator')}</option>
            <option value="user">{tt('roleUser')}</option>
          </select>
        </div>
        <div className="stack">
          <label htmlFor="reg-name">{tt('memberName')}</label>
          <input id="reg-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        </div>
        <NumberField id="reg-bus" label={tt('connectionBus')} value={bus} onChange={setBus} />
        <NumberField id="reg-voltage" label={tt('voltageKv')} value={voltageKv} onChange={setVoltageKv} />
        <NumberField
          id="reg-maxload"
          label={role === 'user' ? tt('maxLoadKw') : tt('siteMaxLoadKw')}
          value={maxLoadKw}
          onChange={setMaxLoadKw}
        />
      </div>
      {role === 'generator' && (
        <section aria-labelledby="projects-h">
          <h3 id="projects-h">{tt('projectsTitle')}</h3>
          {projects.map((p, i) => (
            <ProjectRow
              // biome-ignore lint/suspicious/noArrayIndexKey: a project's index is its identity on chain
              key={i}
              index={i}
              p={p}
              decision={check?.projects[i]}
              onChange={(next) => setProjects(projects.map((x, j) => (j === i ? next : x)))}
              onRemove={() => setProjects(projects.filter((_, j) => j !== i))}
            />
          ))}
          <button type="button" onClick={() => setProjects([...projects, emptyProject()])}>
            {tt('addProject')}
          </button>
        </section>
      )}
      {!complete && <p className="note">{tt('fillEveryField')}</p>}
      {check !== null && check.problems.length > 0 && (
        <ul className="error" data-testid="registration-problems">
          {check.problems.map((p) => (
            <li key={p}>{tt(PROBLEM_TEXT[p])}</li>
          ))}
        </ul>
      )}
      <button type="submit" disabled={busy || blocked}>
        {busy ? tt('working') : tt('signAndApply')}
      </button>
      {error !== null && <ErrorNote error={error} />}
    </form>
  );
}

const STATUS_TEXT: Record<string, TradeKey> = {
  pending: 'statusPending',
  approved: 'statusApproved',
  rejected: 'statusRejected',
  suspended: 'statusSuspended',
  exited: 'statusExited',
};

function MemberStatus({ m }: { m: PublicMember }) {
  const tt = useTradeText();
  return (
    <section className="card" aria-labelledby="status-h" aria-live="polite">
      <h2 id="status-h">{tt('applicationTitle')}</h2>
      <p>
        <strong
          data-testid="access-status"
          className={m.status === 'approved' ? 'good' : m.status === 'pending' ? '' : 'bad'}
        >
          {tt(STATUS_TEXT[m.status] ?? 'statusPending')}
        </strong>{' '}
        · {m.name} ·{' '}
        {m.role === 'generator' ? tt('roleGenerator') : m.role === 'user' ? tt('roleUser') : m.role} ·{' '}
        {tt('registeredAt', { height: m.registeredAtHeight })}
      </p>
      {m.status === 'pending' && <p className="note">{tt('followingAudit')}</p>}
      {m.reason !== '' && <p data-testid="access-reason">{tt('auditReason', { reason: m.reason })}</p>}
      {m.projects.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{tt('project')}</th>
                <th scope="col">{tt('technology')}</th>
                <th scope="col">{tt('capacityKw')}</th>
                <th scope="col">{tt('voltageKv')}</th>
                <th scope="col">{tt('approvedKw')}</th>
              </tr>
            </thead>
            <tbody>
              {m.projects.map((p, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a project's index is its identity on chain
                <tr key={i}>
                  <th scope="row">{i}</th>
                  <td>{p.technology}</td>
                  <td>{p.capacityKw}</td>
                  <td>{p.voltageKv}</td>
                  <td>{m.approvedKw[i] ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AccessView({ signer }: { signer: SigningKey }) {
  const tt = useTradeText();
  const [tick, setTick] = useState(0);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const member = useAsync(() => memberOf(signer.publicKey), [signer.publicKey, tick], true);
  const current = member.state === 'done' ? member.value : undefined;
  // A pending application is followed until the audit decides it.
  useEffect(() => {
    if (current?.status !== 'pending') return;
    const timer = setInterval(() => setTick((n) => n + 1), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [current?.status]);

  const canRegister = current === null || current?.status === 'rejected' || current?.status === 'exited';
  return (
    <>
      {receipt !== null && (
        <p className={receipt.ok ? 'good' : 'error'} role="status" data-testid="register-receipt">
          {receipt.ok
            ? tt('applicationSent', { height: receipt.height })
            : tt('applicationRefused', { code: receipt.code })}{' '}
          <HashText value={receipt.hash} />
        </p>
      )}
      {member.state === 'failed' && <ErrorNote error={member.error} />}
      {current !== undefined && current !== null && <MemberStatus m={current} />}
      {current !== undefined && current !== null && !canRegister && current.status !== 'pending' && (
        <p className="note">{tt('alreadyMember')}</p>
      )}
      {canRegister && (
        <RegisterForm
          signer={signer}
          onSent={(r) => {
            setReceipt(r);
            setTick((n) => n + 1);
          }}
        />
      )}
    </>
  );
}

export function AccessPage() {
  const tt = useTradeText();
  const signer = useSigningKey();
  return (
    <>
      <h1>{tt('accessTitle')}</h1>
      <p className="intro">{tt('accessIntro')}</p>
      <SignerPanel />
      {signer !== null && <AccessView key={signer.publicKey} signer={signer} />}
    </>
  );
}
