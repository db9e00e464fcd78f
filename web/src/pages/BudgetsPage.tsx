import { useState } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { BudgetForm } from '../components/BudgetForm';
import { BudgetTable } from '../components/BudgetTable';
import { BarList } from '../components/charts/BarList';
import { ErrorNotice } from '../components/ErrorNotice';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { useDebounced } from '../hooks/useDebounced';
import { formatNumber, formatUsd } from '../lib/format';
import { totals } from '../metrics/dashboard';
import { parsePrometheus } from '../metrics/prometheus';

function Usage() {
  const { client } = useServices();
  const usage = useAsync(async (signal) => totals(parsePrometheus(await api.metrics(client, signal))), [client]);
  return (
    <section className="card" aria-labelledby="usage-title">
      <h2 className="card__title" id="usage-title">
        Usage since the server started
      </h2>
      {usage.error && <ErrorNotice error={usage.error} onRetry={usage.reload} />}
      {usage.loading && !usage.data && <Loading />}
      {usage.data && (
        <div className="charts">
          <BarList title={`Spend by model (total ${formatUsd(usage.data.costTotal)})`} format={formatUsd} bars={[...usage.data.costByModel].map(([label, value]) => ({ label, value }))} />
          <BarList title="Tokens by model" format={(v) => formatNumber(v)} bars={[...usage.data.tokensByModel].map(([label, value]) => ({ label, value }))} />
        </div>
      )}
    </section>
  );
}

function AdminBudgets() {
  const { client } = useServices();
  const [org, setOrg] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const orgFilter = useDebounced(org.trim(), 400);
  const list = useAsync(() => api.adminBudgets(client, orgFilter || undefined), [client, orgFilter]);
  return (
    <section className="card" aria-labelledby="admin-budgets-title">
      <h2 className="card__title" id="admin-budgets-title">
        All budgets <span className="tag tag--neutral">admin</span>
      </h2>
      <BudgetForm onSaved={() => list.reload()} />
      <div className="form__row">
        <label className="field field--inline">
          <span className="field__label">Organisation filter</span>
          <input value={org} onChange={(e) => setOrg(e.target.value)} placeholder="all you administer" />
        </label>
      </div>
      {error && <ErrorNotice error={error} title="The budget was not deleted" />}
      {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading />}
      {list.data &&
        (list.data.length === 0 ? (
          <Empty title="No budgets">Spending is not capped. Set a budget above.</Empty>
        ) : (
          <BudgetTable
            budgets={list.data}
            onDelete={async (budget) => {
              setError(null);
              try {
                await api.deleteBudget(client, budget.budget_id);
                list.reload();
              } catch (caught) {
                setError(asApiError(caught));
              }
            }}
          />
        ))}
    </section>
  );
}

export function BudgetsPage() {
  const { client } = useServices();
  const { can } = useAuth();
  const mine = useAsync(() => api.myBudgets(client), [client]);
  return (
    <section className="page" aria-labelledby="budgets-title">
      <h1 id="budgets-title">Budgets and usage</h1>
      <section className="card" aria-labelledby="my-budgets-title">
        <h2 className="card__title" id="my-budgets-title">
          Budgets that apply to you
        </h2>
        {mine.error && <ErrorNotice error={mine.error} onRetry={mine.reload} />}
        {mine.loading && !mine.data && <Loading />}
        {mine.data &&
          (mine.data.length === 0 ? (
            <Empty title="No budget applies to you">Your requests are not capped by a budget.</Empty>
          ) : (
            <BudgetTable budgets={mine.data} />
          ))}
      </section>
      <Usage />
      {can('manage_org') && <AdminBudgets />}
    </section>
  );
}
