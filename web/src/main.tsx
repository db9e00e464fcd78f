import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client';
import { api } from './api/endpoints';
import { WsClient, wsUrl } from './api/ws';
import { App } from './app/App';
import { SessionStore } from './auth/session';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/widgets.css';
import './styles/charts.css';
import './styles/highlight.css';

const client = new ApiClient(new SessionStore());
const ws = new WsClient({
  url: async () => {
    const token = await client.credential();
    if (!token) {
      throw new Error('not signed in');
    }
    return wsUrl(token);
  },
  // A refused upgrade may mean a stale credential: an HTTP call refreshes it (or ends the
  // session) before the next try.
  onConnectFailure: async () => {
    await api.me(client);
  },
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App services={{ client, ws }} />
    </StrictMode>,
  );
}
