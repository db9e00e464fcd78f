import type { Budget } from '../api/types';
import { formatTime, formatUsd } from '../lib/format';
import { ConfirmButton } from './ConfirmButton';
import { Meter } from './Meter';

export function BudgetTable({ budgets, onDelete }: { budgets: Budget[]; onDelete?: (budget: Budget) => Promise<void> }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Budgets table">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Scope</th>
            <th scope="col">Organisation</th>
            <th scope="col">Period</th>
            <th scope="col" className="num">
              Cap
            </th>
            <th scope="col" className="num">
              Spent
            </th>
            <th scope="col" className="num">
              Reserved
            </th>
            <th scope="col">Utilisation</th>
            <th scope="col">Action</th>
            <th scope="col">Period ends</th>
            {onDelete && <th scope="col">Manage</th>}
          </tr>
        </thead>
        <tbody>
          {budgets.map((b) => (
            <tr key={b.budget_id}>
              <td>
                <span className="mono small">{b.scope_type}</span> {b.scope_id}
              </td>
              <td>{b.org_id}</td>
              <td>{b.period}</td>
              <td className="num">{formatUsd(b.cap_usd)}</td>
              <td className="num">{formatUsd(b.spent_usd)}</td>
              <td className="num">{formatUsd(b.reserved_usd)}</td>
              <td className={b.utilisation >= 0.95 ? 'util util--critical' : b.utilisation >= 0.8 ? 'util util--alert' : 'util'}>
                <Meter label={`${b.scope} ${b.period}`} value={b.utilisation} />
              </td>
              <td>{b.action}</td>
              <td className="small">{formatTime(b.period_end)}</td>
              {onDelete && (
                <td>
                  <ConfirmButton label="Delete" confirmLabel="Delete budget" onConfirm={() => onDelete(b)} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
