import { describe, expect, it } from 'vitest';
import { parsePrometheus, parseValue, samples, sum, sumBy } from './prometheus';

const TEXT = `# HELP amaima_http_requests_total HTTP requests completed, by route, method and status.
# TYPE amaima_http_requests_total counter
amaima_http_requests_total{route="/v1/simulate",method="POST",status="200"} 12
amaima_http_requests_total{route="/v1/simulate",method="POST",status="400"} 3
amaima_http_requests_total{route="/metrics",method="GET",status="200"} 7
# HELP amaima_http_request_duration_seconds Duration.\\nSecond line with \\\\ backslash.
# TYPE amaima_http_request_duration_seconds histogram
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="0.005"} 10
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="0.01"} 14
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="+Inf"} 15
amaima_http_request_duration_seconds_sum{route="/v1/simulate",method="POST"} 0.0625
amaima_http_request_duration_seconds_count{route="/v1/simulate",method="POST"} 15
# TYPE amaima_http_requests_in_flight gauge
amaima_http_requests_in_flight 1
# TYPE amaima_build_info gauge
amaima_build_info{version="0.3.0"} 1
`;

describe('parsePrometheus', () => {
  it('reads families with their type, help and samples', () => {
    const scrape = parsePrometheus(TEXT);
    const requests = scrape.get('amaima_http_requests_total');
    expect(requests?.type).toBe('counter');
    expect(requests?.help).toBe('HTTP requests completed, by route, method and status.');
    expect(requests?.samples).toHaveLength(3);
    expect(requests?.samples[0]).toEqual({
      name: 'amaima_http_requests_total',
      labels: { route: '/v1/simulate', method: 'POST', status: '200' },
      value: 12,
    });
  });

  it('groups a histogram’s _bucket, _sum and _count samples under its family', () => {
    const scrape = parsePrometheus(TEXT);
    const histogram = scrape.get('amaima_http_request_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.samples.map((s) => s.name)).toEqual([
      'amaima_http_request_duration_seconds_bucket',
      'amaima_http_request_duration_seconds_bucket',
      'amaima_http_request_duration_seconds_bucket',
      'amaima_http_request_duration_seconds_sum',
      'amaima_http_request_duration_seconds_count',
    ]);
    expect(histogram?.help).toBe('Duration.\nSecond line with \\ backslash.');
    expect(scrape.has('amaima_http_request_duration_seconds_bucket')).toBe(false);
    expect(samples(scrape, 'amaima_http_request_duration_seconds_bucket', { le: '+Inf' })[0]?.value).toBe(15);
  });

  it('reads samples without labels and special values', () => {
    const scrape = parsePrometheus('up 1\nx{a="b"} +Inf\ny -Inf\nz NaN\nw 1.5e-3 1700000000000\n');
    expect(scrape.get('up')?.samples[0]?.value).toBe(1);
    expect(scrape.get('x')?.samples[0]?.value).toBe(Infinity);
    expect(scrape.get('y')?.samples[0]?.value).toBe(-Infinity);
    expect(scrape.get('z')?.samples[0]?.value).toBeNaN();
    expect(scrape.get('w')?.samples[0]?.value).toBeCloseTo(0.0015);
  });

  it('unescapes label values', () => {
    const scrape = parsePrometheus('m{path="C:\\\\dir",q="say \\"hi\\"",nl="a\\nb"} 2\n');
    expect(scrape.get('m')?.samples[0]?.labels).toEqual({ path: 'C:\\dir', q: 'say "hi"', nl: 'a\nb' });
  });

  it('accepts commas and spaces inside label values and a trailing comma', () => {
    const scrape = parsePrometheus('m{a="x, y} z",b="2",} 3\r\n');
    expect(scrape.get('m')?.samples[0]?.labels).toEqual({ a: 'x, y} z', b: '2' });
  });

  it('ignores comments and blank lines', () => {
    const scrape = parsePrometheus('# just a comment\n\n# TYPE c counter\nc 4\n');
    expect([...scrape.keys()]).toEqual(['c']);
  });

  it('names the line of a malformed sample', () => {
    expect(() => parsePrometheus('ok 1\nbad{a="1" 2\n')).toThrow(/line 2/);
    expect(() => parsePrometheus('novalue\n')).toThrow(/line 1: expected a value/);
    expect(() => parsePrometheus('m abc\n')).toThrow(/not a number/);
    expect(() => parsePrometheus('# TYPE m weird\n')).toThrow(/unknown metric type/);
  });

  it('sums samples, with label matchers and grouping', () => {
    const scrape = parsePrometheus(TEXT);
    expect(sum(scrape, 'amaima_http_requests_total')).toBe(22);
    expect(sum(scrape, 'amaima_http_requests_total', { route: (r) => r !== '/metrics' })).toBe(15);
    expect(sum(scrape, 'amaima_http_requests_total', { status: '400' })).toBe(3);
    expect([...sumBy(scrape, 'amaima_http_requests_total', 'route')]).toEqual([
      ['/v1/simulate', 15],
      ['/metrics', 7],
    ]);
    expect(sum(scrape, 'absent_metric')).toBe(0);
  });
});

describe('parseValue', () => {
  it('refuses what is not a number', () => {
    expect(() => parseValue('')).toThrow();
    expect(() => parseValue('1,5')).toThrow();
    expect(parseValue('-0.25')).toBe(-0.25);
  });
});
