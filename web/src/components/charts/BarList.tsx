export interface Bar {
  label: string;
  value: number;
}

/** Values by category as horizontal bars, largest first unless `keepOrder`. */
export function BarList({
  title,
  bars,
  format,
  keepOrder = false,
}: {
  title: string;
  bars: Bar[];
  format: (value: number) => string;
  keepOrder?: boolean;
}) {
  const positive = bars.filter((b) => b.value > 0);
  const sorted = keepOrder ? positive : positive.sort((a, b) => b.value - a.value);
  const max = Math.max(0, ...sorted.map((b) => b.value));
  return (
    <figure className="bars">
      <figcaption className="chart__title">{title}</figcaption>
      {sorted.length === 0 ? (
        <p className="muted small">No data yet.</p>
      ) : (
        <table className="bars__table">
          <tbody>
            {sorted.map((bar) => (
              <tr key={bar.label}>
                <th scope="row" className="bars__label">
                  {bar.label}
                </th>
                <td className="bars__cell">
                  <span className="bars__track" aria-hidden="true">
                    <span className={`bars__fill bars__fill--${bar.label.toLowerCase()}`} style={{ width: `${(bar.value / max) * 100}%` }} />
                  </span>
                </td>
                <td className="bars__value">{format(bar.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
