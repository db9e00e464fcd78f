import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { asApiError, type ApiError } from '../api/errors';
import { useAuth } from '../auth/AuthContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { useTheme } from '../hooks/useTheme';

type Method = 'password' | 'key';

export function LoginPage() {
  const { session, login, loginWithKey, endedReason } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const [method, setMethod] = useState<Method>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [theme, toggleTheme] = useTheme();

  if (session && !busy) {
    return <Navigate to={from} replace />;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (method === 'password') {
        await login(email.trim(), password, remember);
      } else {
        await loginWithKey(key.trim(), remember);
      }
      navigate(from, { replace: true });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <div className="login__panel card">
        <div className="login__head">
          <h1>AMAIMA console</h1>
          <button
            type="button"
            className="button button--ghost"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
          >
            <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
          </button>
        </div>
        {endedReason && !error && (
          <p className="notice notice--warn" role="status">
            Your session ended: {endedReason}. Please sign in again.
          </p>
        )}
        <div className="segmented" role="radiogroup" aria-label="Sign-in method">
          {(
            [
              ['password', 'Email and password'],
              ['key', 'API key'],
            ] as const
          ).map(([value, label]) => (
            <button
              key={value}
              type="button"
              role="radio"
              aria-checked={method === value}
              className={`segmented__option ${method === value ? 'segmented__option--on' : ''}`}
              onClick={() => {
                setMethod(value);
                setError(null);
              }}
            >
              {label}
            </button>
          ))}
        </div>
        <form className="form" onSubmit={(e) => void submit(e)} aria-label="Sign in">
          {method === 'password' ? (
            <>
              <label className="field">
                <span className="field__label">Email</span>
                <input
                  type="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              </label>
              <label className="field">
                <span className="field__label">Password</span>
                <input
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
            </>
          ) : (
            <div className="field">
              <label className="field__label" htmlFor="login-key">
                API key
              </label>
              <input
                id="login-key"
                type="password"
                autoComplete="off"
                spellCheck={false}
                required
                placeholder="amk_…"
                aria-describedby="login-key-hint"
                value={key}
                onChange={(e) => setKey(e.target.value)}
              />
              <span className="field__hint" id="login-key-hint">
                Sent as a bearer credential; kept in this browser only.
              </span>
            </div>
          )}
          <label className="checkbox">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Stay signed in on this device
          </label>
          {error && <ErrorNotice error={error} title="Sign-in failed" />}
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
