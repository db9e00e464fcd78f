// One typed function per route the console uses.

import type { ApiClient } from './client';
import type {
  ApiKey,
  AuditEntry,
  AuditFilter,
  Budget,
  BudgetInput,
  CreatedApiKey,
  Decision,
  DecisionPage,
  Execution,
  Feedback,
  FeedbackRequest,
  Health,
  Level,
  Me,
  ModelInfo,
  NewApiKey,
  NewUser,
  Org,
  Page,
  QueryOptions,
  RouteInfo,
  User,
} from './types';

export interface DecisionFilter {
  level?: Level | '';
  model?: string;
  limit?: number;
  cursor?: string;
}

export const api = {
  me: (c: ApiClient) => c.request<Me>('/v1/auth/me'),
  health: (c: ApiClient) => c.request<Health>('/v1/health', { auth: false }),
  models: (c: ApiClient) => c.request<{ data: ModelInfo[] }>('/v1/models').then((r) => r.data),
  metrics: (c: ApiClient, signal?: AbortSignal) =>
    c.request<string>('/metrics', { accept: 'text/plain', signal }),

  simulate: (c: ApiClient, options: QueryOptions, signal?: AbortSignal) =>
    c.request<Decision>('/v1/simulate', { method: 'POST', body: options, signal }),

  decisions: (c: ApiClient, filter: DecisionFilter, signal?: AbortSignal) =>
    c.request<DecisionPage>('/v1/decisions', {
      query: { level: filter.level, model: filter.model, limit: filter.limit, cursor: filter.cursor },
      signal,
    }),
  decision: (c: ApiClient, id: string, signal?: AbortSignal) =>
    c.request<Decision>(`/v1/decisions/${encodeURIComponent(id)}`, { signal }),
  executions: (c: ApiClient, id: string, signal?: AbortSignal) =>
    c
      .request<{ data: Execution[] }>(`/v1/decisions/${encodeURIComponent(id)}/executions`, { signal })
      .then((r) => r.data),
  feedback: (c: ApiClient, feedback: FeedbackRequest) =>
    c.request<Feedback>('/v1/feedback', { method: 'POST', body: feedback }),

  myBudgets: (c: ApiClient) => c.request<{ data: Budget[] }>('/v1/budgets').then((r) => r.data),
  adminBudgets: (c: ApiClient, orgId?: string) =>
    c.request<{ data: Budget[] }>('/v1/admin/budgets', { query: { org_id: orgId } }).then((r) => r.data),
  putBudget: (c: ApiClient, budget: BudgetInput) =>
    c.request<Budget>('/v1/admin/budgets', { method: 'PUT', body: budget }),
  deleteBudget: (c: ApiClient, id: string) =>
    c.request<Budget>(`/v1/admin/budgets/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  audit: (c: ApiClient, filter: AuditFilter, signal?: AbortSignal) =>
    c.request<Page<AuditEntry>>('/v1/audit', { query: { ...filter }, signal }),

  keys: (c: ApiClient, orgId?: string) =>
    c.request<{ data: ApiKey[] }>('/v1/admin/keys', { query: { org_id: orgId } }).then((r) => r.data),
  createKey: (c: ApiClient, key: NewApiKey) =>
    c.request<CreatedApiKey>('/v1/admin/keys', { method: 'POST', body: key }),
  revokeKey: (c: ApiClient, id: string) =>
    c.request<ApiKey>(`/v1/admin/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  users: (c: ApiClient, orgId?: string) =>
    c.request<{ data: User[] }>('/v1/admin/users', { query: { org_id: orgId } }).then((r) => r.data),
  createUser: (c: ApiClient, user: NewUser) =>
    c.request<User>('/v1/admin/users', { method: 'POST', body: user }),
  disableUser: (c: ApiClient, id: string) =>
    c.request<User>(`/v1/admin/users/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  orgs: (c: ApiClient) => c.request<{ data: Org[] }>('/v1/admin/orgs').then((r) => r.data),
  createOrg: (c: ApiClient, orgId: string, name: string) =>
    c.request<Org>('/v1/admin/orgs', { method: 'POST', body: { org_id: orgId, name } }),
  setExecutionMode: (c: ApiClient, orgId: string, mode: Org['execution_mode']) =>
    c.request<Org>(`/v1/admin/orgs/${encodeURIComponent(orgId)}/execution-mode`, {
      method: 'PUT',
      body: { execution_mode: mode },
    }),
  routes: (c: ApiClient) => c.request<{ data: RouteInfo[] }>('/v1/admin/routes').then((r) => r.data),
};
