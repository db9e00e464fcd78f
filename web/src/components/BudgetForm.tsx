import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { Budget, BudgetInput } from '../api/types';
import { useServices } from '../app/services';
import { ErrorNotice } from './ErrorNotice';

/** PUT /v1/admin/budgets: creates a budget, or replaces the cap and action of (scope, period). */
export function BudgetForm({ onSaved }: { onSaved: (budget: Budget) => void }) {
  const { client } = useServices();
  const [scopeType, setScopeType] = useState<BudgetInput['scope_type']>('org');
  const [scopeId, setScopeId] = useState('');
  const [orgId, setOrgId] = useState('');
  const [period, setPeriod] = useState<BudgetInput['period']>('daily');
  const [cap, setCap] = useState('');
  const [action, setAction] = useState<BudgetInput['action']>('reject');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: BudgetInput = {
        scope_type: scopeType,
        period,
        cap_usd: Number(cap),
        action,
        ...(scopeId.trim() ? { scope_id: scopeId.trim() } : {}),
        ...(orgId.trim() ? { org_id: orgId.trim() } : {}),
      };
      onSaved(await api.putBudget(client, body));
      setCap('');
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Set a budget">
      <div className="form__row">
        <label className="field field--inline">
          <span className="field__label">Scope</span>
          <select value={scopeType} onChange={(e) => setScopeType(e.target.value as BudgetInput['scope_type'])}>
            <option value="org">organisation</option>
            <option value="key">API key</option>
            <option value="user">user</option>
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">{scopeType === 'org' ? 'Organisation id (default: yours)' : scopeType === 'key' ? 'Key id' : 'User id'}</span>
          <input value={scopeId} onChange={(e) => setScopeId(e.target.value)} required={scopeType !== 'org'} />
        </label>
        {scopeType !== 'org' && (
          <label className="field field--inline">
            <span className="field__label">Organisation (default: yours)</span>
            <input value={orgId} onChange={(e) => setOrgId(e.target.value)} />
          </label>
        )}
        <label className="field field--inline">
          <span className="field__label">Period</span>
          <select value={period} onChange={(e) => setPeriod(e.target.value as BudgetInput['period'])}>
            <option value="daily">daily (UTC)</option>
            <option value="monthly">monthly (UTC)</option>
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">Cap (USD)</span>
          <input type="number" min={0} step="any" required value={cap} onChange={(e) => setCap(e.target.value)} />
        </label>
        <label className="field field--inline">
          <span className="field__label">When exceeded</span>
          <select value={action} onChange={(e) => setAction(e.target.value as BudgetInput['action'])}>
            <option value="reject">reject (402)</option>
            <option value="downgrade">downgrade to a cheaper model</option>
          </select>
        </label>
      </div>
      {error && <ErrorNotice error={error} title="The budget was not saved" />}
      <button type="submit" className="button button--primary" disabled={busy || cap === ''}>
        Save budget
      </button>
    </form>
  );
}
