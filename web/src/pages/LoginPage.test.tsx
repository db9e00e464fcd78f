import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, json, meFor, renderApp, tokens } from '../test/fakes';

describe('LoginPage', () => {
  it('signs in with email and password, then lands on the first page the role allows', async () => {
    const user = userEvent.setup();
    const { calls } = renderApp('/login', (call) => {
      if (call.path === '/v1/auth/login') {
        return json(200, tokens('a'));
      }
      if (call.path === '/v1/auth/me') {
        return json(200, meFor('admin', { subject: 'user:u1', user_id: 'u1', key_id: null }));
      }
      if (call.path === '/v1/health') {
        return json(200, { execution_mode: 'execution-enabled' });
      }
      return json(200, { data: [] });
    });
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Ask' })).toBeInTheDocument());
    expect(calls.find((c) => c.path === '/v1/auth/login')?.body).toEqual({ email: 'ada@example.com', password: 'correct horse' });
    expect(screen.getByTestId('identity')).toHaveTextContent('ada@example.com');
    expect(screen.getByTestId('identity')).toHaveTextContent('admin · default');
    expect(window.sessionStorage.getItem('amaima.session')).toContain('eyJ.refresh-a.sig');
    expect(window.localStorage.getItem('amaima.session')).toBeNull();
  });

  it('shows a refused login with its code and request id', async () => {
    const user = userEvent.setup();
    renderApp('/login', () => apiError(401, 'AUTH_INVALID_CREDENTIALS', '01a2-req', 'invalid email or password'));
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Sign-in failed');
    expect(alert).toHaveTextContent('invalid email or password');
    expect(alert).toHaveTextContent('AUTH_INVALID_CREDENTIALS');
    expect(alert).toHaveTextContent('01a2-req');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('signs in with an API key, remembered on this device when asked', async () => {
    const user = userEvent.setup();
    const { calls } = renderApp('/login', (call) => {
      if (call.path === '/v1/auth/me') {
        return json(200, meFor('viewer'));
      }
      return json(200, { data: [], execution_mode: 'decision-only' });
    });
    await user.click(screen.getByRole('radio', { name: 'API key' }));
    await user.type(screen.getByLabelText('API key'), '  amk_viewer_key ');
    await user.click(screen.getByLabelText('Stay signed in on this device'));
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Decisions' })).toBeInTheDocument());
    expect(calls.find((c) => c.path === '/v1/auth/me')?.headers.authorization).toBe('Bearer amk_viewer_key');
    expect(window.localStorage.getItem('amaima.session')).toContain('amk_viewer_key');
  });

  it('refuses a wrong API key and says why', async () => {
    const user = userEvent.setup();
    renderApp('/login', () => apiError(401, 'AUTH_INVALID_API_KEY', 'req-k', 'invalid api key'));
    await user.click(screen.getByRole('radio', { name: 'API key' }));
    await user.type(screen.getByLabelText('API key'), 'amk_wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('AUTH_INVALID_API_KEY');
    expect(window.sessionStorage.getItem('amaima.session')).toBeNull();
  });

  it('refuses a key scoped without `session`, which cannot say who it is', async () => {
    const user = userEvent.setup();
    renderApp('/login', () => apiError(403, 'AUTH_FORBIDDEN', 'req-s', "this key's scopes do not include session"));
    await user.click(screen.getByRole('radio', { name: 'API key' }));
    await user.type(screen.getByLabelText('API key'), 'amk_scoped');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('do not include session');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(window.sessionStorage.getItem('amaima.session')).toBeNull();
  });
});
