// The WebSocket surface, GET /v1/ws (src/amaima/api/ws/README.md): JSON messages
// {type, id, payload}. Browsers cannot set headers on an upgrade, so the credential travels as
// `?token=`. One connection serves every query and the live decision feed; it answers pings,
// reconnects with backoff while something needs it, and fails in-flight queries when it drops.

import type { Decision } from './types';

export type WsState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface WsErrorPayload {
  code: string;
  message: string;
  request_id?: string;
  details?: Record<string, unknown>;
}

export interface WsCompletePayload {
  decision_id: string;
  simulated: boolean;
  output?: string;
  model?: string;
  finish_reason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; estimated: boolean } | null;
}

export interface QueryHandlers {
  onDecision(decision: Decision): void;
  onChunk(content: string): void;
  onComplete(payload: WsCompletePayload): void;
  onError(error: WsErrorPayload): void;
}

export interface QueryHandle {
  id: string;
  cancel(): void;
}

interface Envelope {
  type: string;
  id?: string | null;
  topic?: string;
  dropped?: number;
  payload?: unknown;
}

type WebSocketFactory = (url: string) => WebSocket;

export interface WsClientOptions {
  /** The ws:// or wss:// URL including the credential; asked again for every connection. */
  url: () => Promise<string>;
  /** Called when a connection failed before opening (the credential may be stale). */
  onConnectFailure?: () => Promise<void>;
  create?: WebSocketFactory;
  maxBackoffMs?: number;
}

export function wsUrl(token: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/ws?token=${encodeURIComponent(token)}`;
}

export class WsClient {
  private socket: WebSocket | null = null;
  private state: WsState = 'idle';
  private readonly stateListeners = new Set<(state: WsState) => void>();
  private readonly queries = new Map<string, QueryHandlers>();
  private readonly decisionListeners = new Set<(decision: Decision) => void>();
  private outbox: string[] = [];
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private connecting = false;
  /** Bumped by disconnect(): work started before it is dropped. */
  private generation = 0;
  private readonly options: WsClientOptions;

  constructor(options: WsClientOptions) {
    this.options = options;
  }

  getState(): WsState {
    return this.state;
  }

  onState(listener: (state: WsState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Starts a query; its handlers get the decision, the chunks, then complete or error. */
  query(payload: Record<string, unknown>, handlers: QueryHandlers): QueryHandle {
    const id = `q${Date.now().toString(36)}-${this.nextId++}`;
    this.queries.set(id, handlers);
    this.send({ type: 'query', id, payload });
    return {
      id,
      cancel: () => {
        if (this.queries.has(id)) {
          this.send({ type: 'cancel', id });
        }
      },
    };
  }

  /** Receives every decision the caller may see as it is recorded. */
  subscribeDecisions(listener: (decision: Decision) => void): () => void {
    this.decisionListeners.add(listener);
    if (this.decisionListeners.size === 1) {
      this.send({ type: 'subscribe', id: 'decisions', payload: { topics: ['decisions'] } });
    }
    return () => {
      this.decisionListeners.delete(listener);
      if (this.decisionListeners.size === 0) {
        if (this.state === 'open') {
          this.send({ type: 'unsubscribe', id: 'decisions', payload: { topics: ['decisions'] } });
        } else {
          this.outbox = this.outbox.filter((text) => !text.startsWith('{"type":"subscribe"'));
        }
      }
      this.closeIfIdle();
    };
  }

  /** Closes the connection and fails what is in flight (sign-out); a later call reconnects. */
  disconnect(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.failQueries('CONNECTION_CLOSED', 'the connection was closed');
    this.decisionListeners.clear();
    this.outbox = [];
    this.attempts = 0;
    this.generation += 1;
    this.connecting = false;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'bye');
    this.setState('idle');
  }

  private setState(state: WsState): void {
    if (state !== this.state) {
      this.state = state;
      for (const listener of this.stateListeners) {
        listener(state);
      }
    }
  }

  private needed(): boolean {
    return this.queries.size > 0 || this.decisionListeners.size > 0;
  }

  private closeIfIdle(): void {
    if (!this.needed() && this.socket && this.state === 'open') {
      this.socket.close(1000, 'idle');
    }
  }

  private send(message: Envelope): void {
    const text = JSON.stringify(message);
    if (this.socket && this.state === 'open') {
      this.socket.send(text);
      return;
    }
    this.outbox.push(text);
    this.connect();
  }

  private connect(): void {
    if (this.socket || this.retryTimer || this.connecting) {
      return;
    }
    this.connecting = true;
    const generation = this.generation;
    this.setState(this.attempts > 0 ? 'reconnecting' : 'connecting');
    void this.options.url().then(
      (url) => {
        this.connecting = false;
        if (generation === this.generation && (this.needed() || this.outbox.length > 0)) {
          this.open(url);
        }
      },
      () => {
        this.connecting = false;
        if (generation === this.generation) {
          this.scheduleRetry();
        }
      },
    );
  }

  private open(url: string): void {
    const socket = (this.options.create ?? ((u: string) => new WebSocket(u)))(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempts = 0;
      this.setState('open');
      if (this.decisionListeners.size > 0 && !this.outbox.some((m) => m.includes('"subscribe"'))) {
        socket.send(JSON.stringify({ type: 'subscribe', id: 'decisions', payload: { topics: ['decisions'] } }));
      }
      const pending = this.outbox;
      this.outbox = [];
      for (const text of pending) {
        socket.send(text);
      }
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') {
        this.dispatch(event.data);
      }
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      const reason = event.reason || (opened ? 'the connection was closed' : 'the connection was refused');
      this.failQueries(event.code === 1008 ? 'AUTH_INVALID_TOKEN' : 'CONNECTION_LOST', `${reason} (code ${event.code})`);
      if (!opened && this.options.onConnectFailure) {
        void this.options.onConnectFailure().catch(() => undefined);
      }
      if (this.needed() || this.outbox.length > 0) {
        this.scheduleRetry();
      } else {
        this.setState('idle');
      }
    };
  }

  private scheduleRetry(): void {
    this.socket = null;
    this.attempts += 1;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, 500 * 2 ** Math.min(this.attempts - 1, 6));
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private failQueries(code: string, message: string): void {
    const failed = [...this.queries.values()];
    this.queries.clear();
    // Queued queries and cancels are void once their connection is gone.
    this.outbox = this.outbox.filter((text) => !/^\{"type":"(query|cancel)"/.test(text));
    for (const handlers of failed) {
      handlers.onError({ code, message });
    }
  }

  private dispatch(text: string): void {
    let message: Envelope;
    try {
      message = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (message.type === 'ping') {
      this.socket?.send(JSON.stringify({ type: 'pong', id: message.id ?? null, payload: {} }));
      return;
    }
    if (message.type === 'event' && message.topic === 'decisions') {
      for (const listener of this.decisionListeners) {
        listener(message.payload as Decision);
      }
      return;
    }
    const handlers = message.id ? this.queries.get(message.id) : undefined;
    if (!handlers || !message.id) {
      return; // subscribed, unsubscribed, or an answer to a query already finished.
    }
    switch (message.type) {
      case 'decision':
        handlers.onDecision(message.payload as Decision);
        break;
      case 'chunk': {
        const content = (message.payload as { content?: unknown }).content;
        if (typeof content === 'string') {
          handlers.onChunk(content);
        }
        break;
      }
      case 'complete':
        this.queries.delete(message.id);
        handlers.onComplete(message.payload as WsCompletePayload);
        this.closeIfIdle();
        break;
      case 'error':
        this.queries.delete(message.id);
        handlers.onError(message.payload as WsErrorPayload);
        this.closeIfIdle();
        break;
      default:
        break;
    }
  }
}
