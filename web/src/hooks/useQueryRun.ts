import { useCallback, useEffect, useRef, useState } from 'react';
import type { Decision, QueryOptions } from '../api/types';
import type { QueryHandle, WsCompletePayload, WsErrorPayload } from '../api/ws';
import { useServices } from '../app/services';

export type RunStatus = 'idle' | 'deciding' | 'streaming' | 'done' | 'simulated' | 'stopped' | 'failed';

export interface QueryRun {
  status: RunStatus;
  decision: Decision | null;
  answer: string;
  complete: WsCompletePayload | null;
  error: WsErrorPayload | null;
  startedAt: number | null;
  finishedAt: number | null;
}

const IDLE: QueryRun = {
  status: 'idle',
  decision: null,
  answer: '',
  complete: null,
  error: null,
  startedAt: null,
  finishedAt: null,
};

/** One query at a time over the WebSocket: its decision, its streamed answer, its end. */
export function useQueryRun(): { run: QueryRun; start(options: QueryOptions): void; stop(): void; reset(): void } {
  const { ws } = useServices();
  const [run, setRun] = useState<QueryRun>(IDLE);
  const handle = useRef<QueryHandle | null>(null);

  useEffect(() => () => handle.current?.cancel(), []);

  const start = useCallback(
    (options: QueryOptions) => {
      handle.current?.cancel();
      setRun({ ...IDLE, status: 'deciding', startedAt: Date.now() });
      const payload: Record<string, unknown> = { ...options };
      const current = ws.query(payload, {
        onDecision: (decision) => setRun((r) => ({ ...r, decision, status: 'streaming' })),
        onChunk: (content) => setRun((r) => ({ ...r, answer: r.answer + content })),
        onComplete: (complete) => {
          handle.current = null;
          setRun((r) => ({
            ...r,
            complete,
            status: complete.simulated ? 'simulated' : 'done',
            finishedAt: Date.now(),
          }));
        },
        onError: (error) => {
          handle.current = null;
          setRun((r) => ({
            ...r,
            error,
            status: error.code === 'QUERY_CANCELLED' ? 'stopped' : 'failed',
            finishedAt: Date.now(),
          }));
        },
      });
      handle.current = current;
    },
    [ws],
  );

  const stop = useCallback(() => handle.current?.cancel(), []);
  const reset = useCallback(() => {
    handle.current?.cancel();
    handle.current = null;
    setRun(IDLE);
  }, []);

  return { run, start, stop, reset };
}
