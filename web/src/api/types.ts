// Wire shapes of the AMAIMA HTTP and WebSocket API, as the server writes them
// (src/amaima/api/**). Fields the server may omit are optional.

export const LEVELS = ['TRIVIAL', 'SIMPLE', 'MODERATE', 'COMPLEX', 'EXPERT'] as const;
export type Level = (typeof LEVELS)[number];

export type Role = 'admin' | 'user' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'user', 'viewer'];

export type Permission =
  | 'public'
  | 'session'
  | 'query'
  | 'feedback'
  | 'read_own_decisions'
  | 'read_org_decisions'
  | 'read_analytics'
  | 'read_audit'
  | 'manage_keys'
  | 'manage_org'
  | 'manage_users';

export type ExecutionMode = 'decision-only' | 'execution-enabled';

/** `{"error": {...}}` of every native route (http/server/error_mapping.cc). */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
    request_id?: string;
  };
}

/** POST /v1/auth/login and /v1/auth/refresh. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: User;
}

export interface User {
  user_id: string;
  org_id: string;
  email: string;
  role: Role;
  created_at_ms: number;
  disabled_at_ms: number | null;
}

/** GET /v1/auth/me. */
export interface Me {
  subject: string;
  org_id: string;
  role: Role;
  user_id: string | null;
  key_id: string | null;
  execution_allowed: boolean;
  permissions: Permission[];
}

/** GET /v1/health. */
export interface Health {
  status: string;
  execution_mode: ExecutionMode;
  versions: {
    amaima: string;
    decision_schema: string;
    router_model: string;
    policy: string;
    pricing: string;
  };
  started_at: string;
  uptime_seconds: number;
  device: { cpu_cores: number; memory_total_gb: number; gpus: { vendor: string; name: string }[] };
}

export interface Decision {
  decision_schema_version: string;
  decision_id: string;
  created_at: string;
  request_id: string;
  org_id: string;
  query_hash: string;
  complexity: {
    level: Level;
    score: number;
    probabilities: Record<Level, number>;
    features: Record<string, number>;
  };
  route: {
    model: string;
    provider: string;
    upstream_model: string;
    fallback_chain: string[];
    reason_codes: string[];
    borderline: boolean;
    classified_level: Level;
    routed_level: Level;
    strong_weak?: { probability: number; threshold: number; model_version: string };
  };
  confidence: { overall: number; classifier: number; model_fit: number; estimate: number };
  estimates: { input_tokens: number; output_tokens: number; cost_usd: number; latency_ms: number };
  security: { sensitive: boolean; categories: string[] };
  constraints?: {
    model: string;
    max_cost_usd: number | null;
    max_latency_ms: number | null;
    max_tokens: number | null;
    required_capabilities: string[];
  };
  execution_mode: ExecutionMode;
  execution_mode_active: boolean;
  simulated: boolean;
  versions: { router_model: string; policy: string; pricing: string };
  explanation?: string;
  /** Present on GET /v1/decisions/{id}. */
  feedback?: Feedback[];
}

export interface DecisionPage {
  data: Decision[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface Execution {
  request_id: string;
  decision_id: string;
  created_at: string;
  surface: string;
  model: string;
  provider: string;
  streamed: boolean;
  status: string;
  error_code: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; estimated: boolean };
  cost_usd: number;
  upstream_ms: number;
  total_ms: number;
  attempts: number;
  actor: string;
}

export interface Feedback {
  feedback_id: string;
  decision_id: string;
  org_id: string;
  correct_level: Level | null;
  rating: number | null;
  comment: string | null;
  created_at: string;
}

export interface FeedbackRequest {
  decision_id: string;
  correct_level?: Level;
  rating?: number;
  comment?: string;
}

/** The options of a query the console sends (a subset of POST /v1/query). */
export interface QueryOptions {
  query: string;
  model?: string;
  max_tokens?: number;
  max_cost_usd?: number;
  max_latency_ms?: number;
}

export interface Budget {
  budget_id: string;
  scope_type: 'org' | 'key' | 'user';
  scope_id: string;
  scope: string;
  org_id: string;
  period: 'daily' | 'monthly';
  cap_usd: number;
  action: 'reject' | 'downgrade';
  spent_usd: number;
  reserved_usd: number;
  utilisation: number;
  period_start: string;
  period_end: string;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface BudgetInput {
  scope_type: Budget['scope_type'];
  scope_id?: string;
  org_id?: string;
  period: Budget['period'];
  cap_usd: number;
  action?: Budget['action'];
}

export interface ApiKey {
  key_id: string;
  org_id: string;
  name: string;
  role: Role;
  prefix: string;
  scopes: string[];
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
}

/** POST /v1/admin/keys: the record plus the secret, shown this once. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface NewApiKey {
  org_id?: string;
  role: Role;
  name?: string;
  expires_at_ms?: number;
  scopes?: string[];
}

export interface Org {
  org_id: string;
  name: string;
  execution_mode: ExecutionMode | 'inherit';
  created_at_ms: number;
}

export interface NewUser {
  email: string;
  password: string;
  role: Role;
  org_id?: string;
}

export interface AuditEntry {
  seq: number;
  event_id: string;
  created_at_ms: number;
  org_id: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: unknown;
  prev_hash: string;
  row_hash: string;
}

export interface AuditFilter {
  org_id?: string;
  actor?: string;
  action?: string;
  since?: number;
  until?: number;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export interface ModelInfo {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface RouteInfo {
  method: string;
  pattern: string;
  permission: Permission;
  roles: Role[];
}
