import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import type { Permission } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { homePath } from '../auth/permissions';
import { ErrorNotice } from './ErrorNotice';
import { Loading } from './States';

/** Sends visitors without a session to the login page, remembering where they were going. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session, me, loadingMe } = useAuth();
  const location = useLocation();
  if (!session) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  if (!me && loadingMe) {
    return <Loading label="Checking your credentials…" />;
  }
  return <>{children}</>;
}

export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { can, role } = useAuth();
  if (!can(permission)) {
    return (
      <section className="page">
        <h1>Not available</h1>
        <p>
          This page needs the <code>{permission}</code> permission, which the role <strong>{role ?? 'unknown'}</strong>{' '}
          does not have.
        </p>
      </section>
    );
  }
  return <>{children}</>;
}

export function HomeRedirect() {
  const { permissions, meError } = useAuth();
  if (meError && meError.status !== 401) {
    return (
      <section className="page">
        <ErrorNotice error={meError} title="Could not read who you are (GET /v1/auth/me)" />
      </section>
    );
  }
  return <Navigate to={homePath(permissions)} replace />;
}
