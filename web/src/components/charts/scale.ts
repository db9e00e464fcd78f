/** A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) {
      return step * power;
    }
  }
  return 10 * power;
}

/** The SVG path of one series: gaps (null) break the line. */
export function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let path = '';
  let pen = false;
  values.forEach((value, i) => {
    if (value === null || !Number.isFinite(value)) {
      pen = false;
      return;
    }
    path += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
    pen = true;
  });
  return path;
}

/** Indexes of the values that have no drawn neighbour: a line cannot show them, a dot does. */
export function isolated(values: (number | null)[]): number[] {
  const drawn = (i: number) => {
    const v = values[i];
    return v !== null && v !== undefined && Number.isFinite(v);
  };
  return values.map((_, i) => i).filter((i) => drawn(i) && !drawn(i - 1) && !drawn(i + 1));
}

/** A short axis label: 3 significant digits, k and M for large values. */
export function compact(value: number): string {
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  if (abs >= 1e6) {
    return `${+(value / 1e6).toPrecision(3)}M`;
  }
  if (abs >= 1e3) {
    return `${+(value / 1e3).toPrecision(3)}k`;
  }
  return `${+value.toPrecision(3)}`;
}
