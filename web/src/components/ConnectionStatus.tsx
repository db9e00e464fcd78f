import { useEffect, useState } from 'react';
import type { WsState } from '../api/ws';
import { useServices } from '../app/services';
import type { FeedStatus } from '../hooks/useMetrics';

const WS_TEXT: Record<WsState, string> = {
  idle: 'idle (opens when needed)',
  connecting: 'connecting…',
  open: 'open',
  reconnecting: 'reconnecting…',
  closed: 'closed',
};

export function useWsState(): WsState {
  const { ws } = useServices();
  const [state, setState] = useState<WsState>(ws.getState());
  useEffect(() => ws.onState(setState), [ws]);
  return state;
}

/** Whether the console is hearing from the server: the metrics scrape and the WebSocket. */
export function ConnectionStatus({ status, lastScrapeAt, intervalMs }: { status: FeedStatus; lastScrapeAt: number | null; intervalMs: number }) {
  const wsState = useWsState();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const stale = status === 'live' && lastScrapeAt !== null && now - lastScrapeAt > intervalMs * 3;
  const tone = status === 'error' ? 'down' : stale || status === 'connecting' ? 'stale' : 'up';
  const label =
    status === 'error'
      ? 'Disconnected: the last scrape failed'
      : status === 'connecting'
        ? 'Connecting…'
        : stale
          ? 'Stale: no recent scrape'
          : 'Connected';
  return (
    <div className="connection" role="status" aria-live="polite" data-testid="connection-status">
      <span className={`connection__dot connection__dot--${tone}`} aria-hidden="true" />
      <span>
        <strong>{label}</strong>
        {lastScrapeAt !== null && (
          <span className="muted small"> · last scrape {Math.max(0, Math.round((now - lastScrapeAt) / 1000))} s ago</span>
        )}
      </span>
      <span className="muted small">WebSocket: {WS_TEXT[wsState]}</span>
    </div>
  );
}
