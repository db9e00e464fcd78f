// A parser of the Prometheus text exposition format 0.0.4, as `GET /metrics` writes it
// (src/amaima/telemetry/metrics.cc), and helpers to select and sum series.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (a histogram family has `_bucket`, `_sum` and `_count` samples). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export type Scrape = Map<string, Family>;

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;
const SUMMARY_SUFFIXES = ['_sum', '_count'] as const;

export class ParseError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ParseError';
  }
}

export function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      const value = Number(text);
      if (text === '' || Number.isNaN(value)) {
        throw new Error(`not a number: '${text}'`);
      }
      return value;
    }
  }
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Reads `{a="1",b="x\"y"}` starting at `start` (the `{`); returns the labels and the end. */
function parseLabels(line: string, start: number, lineNo: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const skipSpaces = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  skipSpaces();
  while (line[i] !== '}') {
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!nameMatch) {
      throw new ParseError(lineNo, 'expected a label name');
    }
    const name = nameMatch[0];
    i += name.length;
    skipSpaces();
    if (line[i] !== '=') {
      throw new ParseError(lineNo, `expected '=' after label ${name}`);
    }
    i++;
    skipSpaces();
    if (line[i] !== '"') {
      throw new ParseError(lineNo, `expected '"' to open the value of label ${name}`);
    }
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) {
        throw new ParseError(lineNo, `unterminated value of label ${name}`);
      }
      if (c === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : next === '"' ? '"' : next === '\\' ? '\\' : `\\${next ?? ''}`;
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        break;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    skipSpaces();
    if (line[i] === ',') {
      i++;
      skipSpaces();
    } else if (line[i] !== '}') {
      throw new ParseError(lineNo, `expected ',' or '}' after label ${name}`);
    }
  }
  return [labels, i + 1];
}

/** The family a sample belongs to, given the declared types. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  if (types.has(name)) {
    return name;
  }
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type === 'histogram' || (type === 'summary' && (SUMMARY_SUFFIXES as readonly string[]).includes(suffix))) {
        return base;
      }
    }
  }
  return name;
}

export function parsePrometheus(text: string): Scrape {
  const families: Scrape = new Map();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: types.get(name) ?? 'untyped', help: helps.get(name) ?? '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') {
      return;
    }
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (!meta) {
        return; // A comment.
      }
      const [, kind, name = '', rest = ''] = meta;
      if (kind === 'TYPE') {
        const type = rest.trim() as MetricType;
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) {
          throw new ParseError(lineNo, `unknown metric type '${rest}'`);
        }
        types.set(name, type);
        family(name).type = type;
      } else {
        helps.set(name, unescapeHelp(rest));
        family(name).help = unescapeHelp(rest);
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) {
      throw new ParseError(lineNo, 'expected a metric name');
    }
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      [labels, i] = parseLabels(line, i, lineNo);
    }
    const fields = line.slice(i).trim().split(/\s+/);
    if (fields.length < 1 || fields[0] === '' || fields.length > 2) {
      throw new ParseError(lineNo, `expected a value after ${name}`);
    }
    let value: number;
    try {
      value = parseValue(fields[0] ?? '');
    } catch (error) {
      throw new ParseError(lineNo, (error as Error).message);
    }
    family(familyOf(name, types)).samples.push({ name, labels, value });
  });
  return families;
}

export type LabelMatcher = Record<string, string | ((value: string) => boolean)>;

export function matches(labels: Record<string, string>, matcher: LabelMatcher = {}): boolean {
  return Object.entries(matcher).every(([key, want]) => {
    const have = labels[key] ?? '';
    return typeof want === 'function' ? want(have) : have === want;
  });
}

/** The samples named `name` (a family's own or a histogram's `_bucket`...) matching `matcher`. */
export function samples(scrape: Scrape, name: string, matcher?: LabelMatcher): Sample[] {
  let family = scrape.get(name);
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = scrape.get(name.slice(0, -suffix.length));
    if (name.endsWith(suffix) && base && (base.type === 'histogram' || base.type === 'summary')) {
      family = base;
    }
  }
  if (!family) {
    return [];
  }
  return family.samples.filter((s) => s.name === name && matches(s.labels, matcher));
}

/** The sum of the matching samples' values. */
export function sum(scrape: Scrape, name: string, matcher?: LabelMatcher): number {
  return samples(scrape, name, matcher).reduce((total, s) => total + s.value, 0);
}

/** Sums the matching samples grouped by one label's value. */
export function sumBy(scrape: Scrape, name: string, label: string, matcher?: LabelMatcher): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples(scrape, name, matcher)) {
    const key = s.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}
