import { useState } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { ApiKey, CreatedApiKey } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNotice } from '../components/ErrorNotice';
import { KeyForm } from '../components/KeyForm';
import { Tag } from '../components/LevelBadge';
import { SecretReveal } from '../components/SecretReveal';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { useDebounced } from '../hooks/useDebounced';
import { formatTime } from '../lib/format';

function status(key: ApiKey, now: number): ['active' | 'revoked' | 'expired', 'ok' | 'danger' | 'warn'] {
  if (key.revoked_at_ms !== null) {
    return ['revoked', 'danger'];
  }
  if (key.expires_at_ms !== null && key.expires_at_ms <= now) {
    return ['expired', 'warn'];
  }
  return ['active', 'ok'];
}

export function KeysPage() {
  const { client } = useServices();
  const { me } = useAuth();
  const [org, setOrg] = useState('');
  const orgFilter = useDebounced(org.trim(), 400);
  const keys = useAsync(() => api.keys(client, orgFilter || undefined), [client, orgFilter]);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const now = Date.now();

  const revoke = async (key: ApiKey) => {
    setError(null);
    try {
      await api.revokeKey(client, key.key_id);
      keys.reload();
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  return (
    <section className="page" aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      {created && <SecretReveal created={created} onDone={() => setCreated(null)} />}
      <section className="card" aria-labelledby="new-key-title">
        <h2 className="card__title" id="new-key-title">
          New key
        </h2>
        <KeyForm
          onCreated={(key) => {
            setCreated(key);
            keys.reload();
          }}
        />
      </section>
      <section className="card" aria-labelledby="key-list-title">
        <h2 className="card__title" id="key-list-title">
          Keys
        </h2>
        <label className="field field--inline">
          <span className="field__label">Organisation filter</span>
          <input value={org} onChange={(e) => setOrg(e.target.value)} placeholder="all you administer" />
        </label>
        {error && <ErrorNotice error={error} title="The key was not revoked" />}
        {keys.error && <ErrorNotice error={keys.error} onRetry={keys.reload} />}
        {keys.loading && !keys.data && <Loading />}
        {keys.data && keys.data.length === 0 && <Empty title="No keys" />}
        {keys.data && keys.data.length > 0 && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Keys table">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Role</th>
                  <th scope="col">Organisation</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col">Manage</th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => {
                  const [label, tone] = status(key, now);
                  const self = me?.key_id === key.key_id;
                  return (
                    <tr key={key.key_id} data-key-id={key.key_id}>
                      <td>
                        {key.name || <span className="muted">(unnamed)</span>}
                        {self && <span className="muted small"> (this session)</span>}
                      </td>
                      <td className="mono">{key.prefix}…</td>
                      <td>{key.role}</td>
                      <td>{key.org_id}</td>
                      <td className="small">{key.scopes.length ? key.scopes.join(', ') : <span className="muted">all of the role</span>}</td>
                      <td className="small">{formatTime(key.created_at_ms)}</td>
                      <td className="small">{key.expires_at_ms ? formatTime(key.expires_at_ms) : 'never'}</td>
                      <td>
                        <Tag tone={tone}>{label}</Tag>
                      </td>
                      <td>
                        {label !== 'revoked' && (
                          <ConfirmButton label="Revoke" confirmLabel={self ? 'Revoke (signs you out)' : 'Confirm revoke'} onConfirm={() => revoke(key)} />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
