import { lazy, Suspense, type ReactElement } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router-dom';
import type { Permission } from '../api/types';
import { AuthProvider } from '../auth/AuthContext';
import { HomeRedirect, RequirePermission, RequireSession } from '../components/Guards';
import { Layout } from '../components/Layout';
import { Loading } from '../components/States';
import { LoginPage } from '../pages/LoginPage';
import { ServicesProvider, type Services } from './services';

// Pages load on first use; the Ask page carries the Markdown renderer and highlighter.
const AskPage = lazy(() => import('../pages/AskPage').then((m) => ({ default: m.AskPage })));
const AuditPage = lazy(() => import('../pages/AuditPage').then((m) => ({ default: m.AuditPage })));
const BudgetsPage = lazy(() => import('../pages/BudgetsPage').then((m) => ({ default: m.BudgetsPage })));
const DashboardPage = lazy(() => import('../pages/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const DecisionDetailPage = lazy(() => import('../pages/DecisionDetailPage').then((m) => ({ default: m.DecisionDetailPage })));
const DecisionsPage = lazy(() => import('../pages/DecisionsPage').then((m) => ({ default: m.DecisionsPage })));
const KeysPage = lazy(() => import('../pages/KeysPage').then((m) => ({ default: m.KeysPage })));
const SettingsPage = lazy(() => import('../pages/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const UsersPage = lazy(() => import('../pages/UsersPage').then((m) => ({ default: m.UsersPage })));

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}

const PAGES: [string, Permission, ReactElement][] = [
  ['ask', 'query', <AskPage />],
  ['decisions', 'read_own_decisions', <DecisionsPage />],
  ['decisions/:id', 'read_own_decisions', <DecisionDetailPage />],
  ['dashboard', 'read_analytics', <DashboardPage />],
  ['budgets', 'read_analytics', <BudgetsPage />],
  ['audit', 'read_audit', <AuditPage />],
  ['keys', 'manage_keys', <KeysPage />],
  ['users', 'manage_users', <UsersPage />],
  ['settings', 'manage_org', <SettingsPage />],
];

/** The routes of the console; `Router` is swapped for a MemoryRouter in tests. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<HomeRedirect />} />
        {PAGES.map(([path, permission, element]) => (
          <Route
            key={path}
            path={path}
            element={
              <RequirePermission permission={permission}>
                <Suspense fallback={<Loading />}>{element}</Suspense>
              </RequirePermission>
            }
          />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App({ services }: { services: Services }) {
  return (
    <ServicesProvider services={services}>
      <AuthProvider client={services.client} ws={services.ws}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </AuthProvider>
    </ServicesProvider>
  );
}
