import type { Decision } from '../api/types';

export function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    decision_schema_version: '1.1.0',
    decision_id: '01a2013b-8f62-7001-8bfb-2ac22c156e3b',
    created_at: '2026-11-22T03:10:10.000Z',
    request_id: 'req-1',
    org_id: 'default',
    query_hash: 'ab'.repeat(32),
    complexity: {
      level: 'SIMPLE',
      score: 0.397,
      probabilities: { TRIVIAL: 0.01, SIMPLE: 0.47, MODERATE: 0.45, COMPLEX: 0.06, EXPERT: 0.01 },
      features: { code_request: 1.1, imperative: 1 },
    },
    route: {
      model: 'gpt-4.1-mini',
      provider: 'openai',
      upstream_model: 'gpt-4.1-mini',
      fallback_chain: ['claude-3-5-haiku', 'gpt-4o-mini'],
      reason_codes: ['LEVEL_MAPPING', 'BORDERLINE_UPSCALE'],
      borderline: true,
      classified_level: 'SIMPLE',
      routed_level: 'MODERATE',
    },
    confidence: { overall: 0.625, classifier: 0.468, model_fit: 1, estimate: 0.7 },
    estimates: { input_tokens: 15, output_tokens: 500, cost_usd: 0.000806, latency_ms: 5955.6 },
    security: { sensitive: true, categories: ['code_generation'] },
    constraints: { model: 'auto', max_cost_usd: null, max_latency_ms: null, max_tokens: null, required_capabilities: [] },
    execution_mode: 'execution-enabled',
    execution_mode_active: true,
    simulated: false,
    versions: { router_model: 'complexity-linear-1', policy: '1.0.0', pricing: '2026-11' },
    explanation: 'Classified SIMPLE; routed at MODERATE.',
    ...overrides,
  };
}
