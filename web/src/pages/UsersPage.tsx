import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { Role } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNotice } from '../components/ErrorNotice';
import { RoleField } from '../components/RoleField';
import { Tag } from '../components/LevelBadge';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { formatTime } from '../lib/format';

function UserForm({ onCreated }: { onCreated: () => void }) {
  const { client } = useServices();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [org, setOrg] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const user = await api.createUser(client, { email: email.trim(), password, role, ...(org.trim() ? { org_id: org.trim() } : {}) });
      setDone(`${user.email} can now sign in as ${user.role} of ${user.org_id}.`);
      setEmail('');
      setPassword('');
      onCreated();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Create a user">
      <div className="form__row">
        <label className="field field--inline">
          <span className="field__label">Email</span>
          <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field field--inline">
          <span className="field__label">Password (8+ characters)</span>
          <input type="password" required minLength={8} autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <RoleField value={role} onChange={setRole} />
        <label className="field field--inline">
          <span className="field__label">Organisation (default: yours)</span>
          <input value={org} onChange={(e) => setOrg(e.target.value)} />
        </label>
      </div>
      {error && <ErrorNotice error={error} title="The user was not created" />}
      {done && (
        <p className="notice notice--ok" role="status">
          {done}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={busy}>
        Create user
      </button>
    </form>
  );
}

export function UsersPage() {
  const { client } = useServices();
  const { me } = useAuth();
  const users = useAsync(() => api.users(client), [client]);
  const [error, setError] = useState<ApiError | null>(null);

  return (
    <section className="page" aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <section className="card" aria-labelledby="new-user-title">
        <h2 className="card__title" id="new-user-title">
          New user
        </h2>
        <UserForm onCreated={users.reload} />
      </section>
      <section className="card" aria-labelledby="user-list-title">
        <h2 className="card__title" id="user-list-title">
          Users
        </h2>
        {error && <ErrorNotice error={error} title="The user was not disabled" />}
        {users.error && <ErrorNotice error={users.error} onRetry={users.reload} />}
        {users.loading && !users.data && <Loading />}
        {users.data && users.data.length === 0 && <Empty title="No users">People sign in once an admin creates them here.</Empty>}
        {users.data && users.data.length > 0 && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Users table">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Organisation</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">Manage</th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((user) => (
                  <tr key={user.user_id}>
                    <td>
                      {user.email}
                      {me?.user_id === user.user_id && <span className="muted small"> (you)</span>}
                    </td>
                    <td>{user.role}</td>
                    <td>{user.org_id}</td>
                    <td className="small">{formatTime(user.created_at_ms)}</td>
                    <td>{user.disabled_at_ms ? <Tag tone="danger">disabled</Tag> : <Tag tone="ok">active</Tag>}</td>
                    <td>
                      {!user.disabled_at_ms && (
                        <ConfirmButton
                          label="Disable"
                          confirmLabel="Confirm disable"
                          onConfirm={async () => {
                            setError(null);
                            try {
                              await api.disableUser(client, user.user_id);
                              users.reload();
                            } catch (caught) {
                              setError(asApiError(caught));
                            }
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
