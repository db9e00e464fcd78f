import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { CreatedApiKey, Permission, Role } from '../api/types';
import { useServices } from '../app/services';
import { ROLE_PERMISSIONS } from '../auth/permissions';
import { ErrorNotice } from './ErrorNotice';
import { RoleField } from './RoleField';

const DAY_MS = 86_400_000;

/** POST /v1/admin/keys. */
export function KeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const { client } = useServices();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [org, setOrg] = useState('');
  const [days, setDays] = useState('');
  const [scopes, setScopes] = useState<Permission[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // `session` lets a key ask who it is and so sign in to this console.
  const grantable: Permission[] = ROLE_PERMISSIONS[role].filter((p) => p !== 'public');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.createKey(client, {
        role,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(org.trim() ? { org_id: org.trim() } : {}),
        ...(days && Number(days) > 0 ? { expires_at_ms: Date.now() + Math.round(Number(days) * DAY_MS) } : {}),
        ...(scopes.length ? { scopes: scopes.filter((s) => grantable.includes(s)) } : {}),
      });
      onCreated(created);
      setName('');
      setScopes([]);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Create an API key">
      <div className="form__row">
        <label className="field field--inline">
          <span className="field__label">Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. billing-service" />
        </label>
        <RoleField value={role} onChange={setRole} />
        <label className="field field--inline">
          <span className="field__label">Organisation (default: yours)</span>
          <input value={org} onChange={(e) => setOrg(e.target.value)} />
        </label>
        <label className="field field--inline">
          <span className="field__label">Expires in (days)</span>
          <input type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} placeholder="never" />
        </label>
      </div>
      <fieldset className="scopes">
        <legend className="field__label">Scopes (none = everything the role allows)</legend>
        {grantable.map((p) => (
          <label key={p} className="checkbox">
            <input
              type="checkbox"
              checked={scopes.includes(p)}
              onChange={(e) => setScopes((s) => (e.target.checked ? [...s, p] : s.filter((x) => x !== p)))}
            />
            <code>{p}</code>
          </label>
        ))}
      </fieldset>
      {error && <ErrorNotice error={error} title="The key was not created" />}
      <button type="submit" className="button button--primary" disabled={busy}>
        Create key
      </button>
    </form>
  );
}
