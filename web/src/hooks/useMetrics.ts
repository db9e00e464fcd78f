import { useEffect, useRef, useState } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import { useServices } from '../app/services';
import { pointBetween, totals, type Point, type TimedScrape, type Totals } from '../metrics/dashboard';
import { parsePrometheus } from '../metrics/prometheus';

export type FeedStatus = 'connecting' | 'live' | 'error';

export interface MetricsFeed {
  status: FeedStatus;
  points: Point[];
  totals: Totals | null;
  error: ApiError | null;
  lastScrapeAt: number | null;
}

const MAX_POINTS = 120;

/** Scrapes GET /metrics every `intervalMs` and turns successive scrapes into chart points. */
export function useMetrics(intervalMs: number): MetricsFeed {
  const { client } = useServices();
  const [feed, setFeed] = useState<MetricsFeed>({ status: 'connecting', points: [], totals: null, error: null, lastScrapeAt: null });
  const previous = useRef<TimedScrape | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const scrape = async () => {
      try {
        const text = await api.metrics(client, controller.signal);
        const current: TimedScrape = { t: Date.now(), scrape: parsePrometheus(text) };
        const before = previous.current;
        previous.current = current;
        if (stopped) {
          return;
        }
        setFeed((f) => ({
          status: 'live',
          points: before ? [...f.points, pointBetween(before, current)].slice(-MAX_POINTS) : f.points,
          totals: totals(current.scrape),
          error: null,
          lastScrapeAt: current.t,
        }));
      } catch (error) {
        if (!stopped) {
          setFeed((f) => ({ ...f, status: 'error', error: asApiError(error) }));
        }
      } finally {
        if (!stopped) {
          timer = setTimeout(() => void scrape(), intervalMs);
        }
      }
    };
    void scrape();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [client, intervalMs]);

  return feed;
}
