import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { Org } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { formatTime } from '../lib/format';

const MODES: { value: Org['execution_mode']; label: string }[] = [
  { value: 'inherit', label: 'inherit (follow the server)' },
  { value: 'decision-only', label: 'decision-only' },
  { value: 'execution-enabled', label: 'execution-enabled' },
];

function OrgRow({ org, onChanged }: { org: Org; onChanged: () => void }) {
  const { client } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const change = async (mode: Org['execution_mode']) => {
    setBusy(true);
    setError(null);
    try {
      await api.setExecutionMode(client, org.org_id, mode);
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <td className="mono">{org.org_id}</td>
      <td>{org.name}</td>
      <td>
        <label className="visually-hidden" htmlFor={`mode-${org.org_id}`}>
          Execution mode of {org.org_id}
        </label>
        <select id={`mode-${org.org_id}`} value={org.execution_mode} disabled={busy} onChange={(e) => void change(e.target.value as Org['execution_mode'])}>
          {MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
        {error && <ErrorNotice error={error} title="The mode was not changed" />}
      </td>
      <td className="small">{formatTime(org.created_at_ms)}</td>
    </tr>
  );
}

function NewOrg({ onCreated }: { onCreated: () => void }) {
  const { client } = useServices();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.createOrg(client, id.trim(), name.trim());
      setId('');
      setName('');
      onCreated();
    } catch (caught) {
      setError(asApiError(caught));
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Create an organisation">
      <div className="form__row">
        <label className="field field--inline">
          <span className="field__label">Organisation id</span>
          <input required value={id} onChange={(e) => setId(e.target.value)} />
        </label>
        <label className="field field--inline">
          <span className="field__label">Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="form__actions">
          <button type="submit" className="button">
            Create organisation
          </button>
        </div>
      </div>
      {error && <ErrorNotice error={error} title="The organisation was not created" />}
    </form>
  );
}

export function SettingsPage() {
  const { client } = useServices();
  const { health } = useAuth();
  const orgs = useAsync(() => api.orgs(client), [client]);
  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <section className="card" aria-labelledby="server-title">
        <h2 className="card__title" id="server-title">
          Server
        </h2>
        {health ? (
          <dl className="facts">
            <div>
              <dt>Execution mode (ceiling)</dt>
              <dd data-testid="server-mode">
                <strong>{health.execution_mode}</strong>
                {health.execution_mode === 'decision-only' && (
                  <span className="muted small"> — no organisation can execute; set AMAIMA_EXECUTION_MODE to lift it.</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{health.versions.amaima}</dd>
            </div>
            <div>
              <dt>Router model</dt>
              <dd>{health.versions.router_model}</dd>
            </div>
            <div>
              <dt>Policy · pricing</dt>
              <dd>
                {health.versions.policy} · {health.versions.pricing}
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(health.started_at)}</dd>
            </div>
          </dl>
        ) : (
          <Loading />
        )}
      </section>
      <section className="card" aria-labelledby="orgs-title">
        <h2 className="card__title" id="orgs-title">
          Organisations and their execution mode
        </h2>
        <p className="small muted">
          An organisation set to decision-only has its queries decided and recorded but never sent to a model. The server’s
          own mode is a ceiling no organisation can lift.
        </p>
        {orgs.error && <ErrorNotice error={orgs.error} onRetry={orgs.reload} />}
        {orgs.loading && !orgs.data && <Loading />}
        {orgs.data && orgs.data.length === 0 && <Empty title="No organisations" />}
        {orgs.data && orgs.data.length > 0 && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Organisations table">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Name</th>
                  <th scope="col">Execution mode</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {orgs.data.map((org) => (
                  <OrgRow key={org.org_id} org={org} onChanged={orgs.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <NewOrg onCreated={orgs.reload} />
      </section>
    </section>
  );
}
