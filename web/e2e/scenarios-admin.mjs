// Keys, users, settings (the execution switch, and a simulated answer), the viewer's view,
// phone width, themes, token refresh and sign-out.

import { ADMIN_KEY, Api } from './harness.mjs';
import { assert, eventually } from './util.mjs';

export const ADMIN_SCENARIOS = [
  {
    name: 'keys: a new key’s secret is shown once, works, then is revoked',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/keys`);
      const form = page.getByRole('form', { name: 'Create an API key' });
      await form.getByLabel('Name').fill('e2e-ci');
      await form.getByLabel('Role').selectOption('user');
      await form.getByRole('button', { name: 'Create key' }).click();
      const reveal = page.getByTestId('secret-reveal');
      await reveal.waitFor();
      const secret = await reveal.getByRole('textbox', { name: 'Secret' }).inputValue();
      assert.match(secret, /^amk_[0-9a-f]{48}$/);
      const me = await ctx.api.call('GET', '/v1/auth/me', undefined, secret);
      assert.equal(me.status, 200);
      assert.equal(me.json.role, 'user');
      const row = page.locator(`tr[data-key-id="${me.json.key_id}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /e2e-ci/);
      assert.ok(!(await row.innerText()).includes(secret));
      await ctx.shot(page, 'keys');

      await reveal.getByRole('button', { name: 'I have stored it' }).click();
      await reveal.waitFor({ state: 'detached' });
      assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page');
      await page.reload();
      await row.waitFor();
      assert.ok(!(await page.content()).includes(secret), 'and is never shown again');

      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByRole('button', { name: 'Confirm revoke' }).click();
      await row.getByText('revoked').waitFor();
      const refused = await ctx.api.call('GET', '/v1/auth/me', undefined, secret);
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error.code, 'AUTH_INVALID_API_KEY');
    },
  },
  {
    name: 'users: the list of users, and creating one',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/users`);
      const table = page.getByRole('region', { name: 'Users table' });
      await table.getByText(ctx.users.viewer.email).waitFor();
      const form = page.getByRole('form', { name: 'Create a user' });
      await form.getByLabel('Email').fill('new.analyst@e2e.test');
      await form.getByLabel('Password (8+ characters)').fill('analyst-password-1');
      await form.getByLabel('Role').selectOption('viewer');
      await form.getByRole('button', { name: 'Create user' }).click();
      await table.getByText('new.analyst@e2e.test').waitFor();
      await ctx.shot(page, 'users');
    },
  },
  {
    name: 'settings: execution mode per organisation, and a decision-only answer shown as a simulation',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/settings`);
      await page.getByTestId('server-mode').getByText('execution-enabled').waitFor();
      await page.getByLabel('Execution mode of acme').selectOption('decision-only');
      await eventually(async () => {
        const orgs = (await ctx.api.ok('GET', '/v1/admin/orgs')).data;
        assert.equal(orgs.find((o) => o.org_id === 'acme').execution_mode, 'decision-only');
      });
      await page.getByLabel('Execution mode of default').selectOption('decision-only');
      await eventually(async () => {
        const orgs = (await ctx.api.ok('GET', '/v1/admin/orgs')).data;
        assert.equal(orgs.find((o) => o.org_id === 'default').execution_mode, 'decision-only');
      });
      await ctx.shot(page, 'settings');
      try {
        // Token sessions see the switch within the server's 5 s cache of organisations.
        await eventually(async () => {
          await page.goto(`${ctx.base}/ask`);
          await page.getByTestId('decision-only-notice').waitFor({ timeout: 1500 });
        }, 12_000, 500);
        await page.getByRole('textbox', { name: 'Query' }).fill('What is the boiling point of water?');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByTestId('simulation-notice').waitFor();
        assert.equal(await page.getByTestId('answer').count(), 0, 'no answer was generated');
        await ctx.shot(page, 'ask-simulated');
      } finally {
        await ctx.api.ok('PUT', '/v1/admin/orgs/default/execution-mode', { execution_mode: 'inherit' });
        // Token sessions follow within the server's 5 s cache of organisations.
        const login = await ctx.api.call('POST', '/v1/auth/login', { email: ctx.users.user.email, password: ctx.users.user.password }, null);
        await eventually(async () => {
          const me = await ctx.api.call('GET', '/v1/auth/me', undefined, login.json.access_token);
          assert.equal(me.json.execution_allowed, true);
        }, 12_000, 500);
      }
    },
  },
  {
    name: 'a viewer sees no Ask and no admin pages',
    async run(ctx) {
      const page = await ctx.newPage();
      await ctx.login(page, 'viewer');
      const links = (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(links, ['Decisions', 'Dashboard', 'Budgets']);
      assert.ok(page.url().endsWith('/decisions'));
      // What the viewer may read, as the server says, is what the page shows.
      const login = await ctx.api.call('POST', '/v1/auth/login', { email: ctx.users.viewer.email, password: ctx.users.viewer.password }, null);
      const readable = (await ctx.api.call('GET', '/v1/decisions?limit=20', undefined, login.json.access_token)).json.data;
      if (readable.length === 0) {
        await page.getByText('No decisions', { exact: true }).waitFor();
      } else {
        await eventually(async () => assert.equal(await page.getByRole('region', { name: 'Decisions table' }).locator('tbody tr').count(), readable.length));
      }
      assert.equal(await page.getByRole('checkbox', { name: /Live/ }).count(), 0);
      await ctx.shot(page, 'viewer');
      for (const path of ['/ask', '/keys', '/audit', '/users', '/settings']) {
        await page.goto(`${ctx.base}${path}`);
        await page.getByRole('heading', { name: 'Not available' }).waitFor();
      }
      await page.goto(`${ctx.base}/budgets`);
      await page.getByRole('heading', { name: 'Budgets and usage' }).waitFor();
      await page.getByRole('region', { name: 'Budgets that apply to you' }).locator('tbody tr').first().waitFor();
      assert.equal(await page.getByRole('form', { name: 'Set a budget' }).count(), 0);
    },
  },
  {
    name: 'phone width (375 px): no sideways scrolling, a menu button opens the navigation',
    async run(ctx) {
      const page = await ctx.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
      await ctx.login(page, 'user');
      await page.getByRole('textbox', { name: 'Query' }).fill('What is the capital of France?');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('run-status').getByText('Answer complete.').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      assert.equal(await page.getByRole('link', { name: 'Decisions' }).isVisible(), false, 'the navigation starts closed');
      await ctx.shot(page, 'phone');
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await ctx.shot(page, 'phone-menu');
      await page.getByRole('link', { name: 'Decisions' }).click();
      await page.getByRole('region', { name: 'Decisions table' }).locator('tbody tr').first().waitFor();
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 0, 'tables scroll inside their own box');
    },
  },
  {
    name: 'themes: the system’s preference, and a remembered choice',
    async run(ctx) {
      const dark = await ctx.newPage({ colorScheme: 'dark' });
      await dark.goto(`${ctx.base}/login`);
      assert.equal(await dark.evaluate(() => document.documentElement.dataset.theme), 'dark');
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/dashboard`);
      await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
      await page.reload();
      await page.getByRole('button', { name: 'Switch to the light theme' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
      await page.getByLabel('Refresh every').selectOption('2000');
      await page.getByTestId('connection-status').getByText('Connected').waitFor();
      await eventually(async () => {
        await ctx.api.ok('POST', '/v1/query', { query: 'What is 2 + 2?' });
        const line = await page.locator('path.chart__line').first().getAttribute('d');
        assert.ok((line.match(/L/g) ?? []).length >= 2);
      }, 15_000, 700);
      await ctx.shot(page, 'dashboard-dark');
      await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    },
  },
  {
    name: 'tokens: a rejected access token is refreshed once and the request retried',
    async run(ctx) {
      const page = ctx.state.admin;
      const refreshesBefore = ctx.state.refreshes;
      await page.evaluate(() => {
        const session = JSON.parse(sessionStorage.getItem('amaima.session'));
        session.accessToken = `${session.accessToken.split('.').slice(0, 2).join('.')}.forged-signature`;
        sessionStorage.setItem('amaima.session', JSON.stringify(session));
      });
      await page.goto(`${ctx.base}/decisions`);
      await page.getByRole('region', { name: 'Decisions table' }).locator('tbody tr').first().waitFor();
      await page.getByTestId('identity').getByText(ctx.users.admin.email).waitFor();
      assert.equal(ctx.state.refreshes, refreshesBefore + 1, 'one refresh after the 401');
    },
  },
  {
    name: 'tokens: an access token about to expire is refreshed silently',
    async run(ctx) {
      // A server whose access tokens live 62 s: the console refreshes them once less than
      // 60 s are left, so within seconds of signing in.
      const short = await ctx.startServer('short-tokens', {
        AMAIMA_ADMIN_API_KEY: ADMIN_KEY,
        AMAIMA_AUTH__ACCESS_TOKEN_TTL_MS: '62000',
        AMAIMA_API__RATE_LIMITING__ENABLED: 'false',
      });
      await new Api(short.url, ADMIN_KEY).ok('POST', '/v1/admin/users', ctx.users.admin);
      const page = await ctx.newPage();
      const seen = { refreshes: 0, refused: 0 };
      page.on('response', (response) => {
        if (response.url().endsWith('/v1/auth/refresh') && response.status() === 200) {
          seen.refreshes += 1;
        }
        if (response.status() === 401) {
          seen.refused += 1;
        }
      });
      await page.goto(`${short.url}/login`);
      await page.getByLabel('Email').fill(ctx.users.admin.email);
      await page.getByLabel('Password').fill(ctx.users.admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.goto(`${short.url}/dashboard`);
      await page.getByLabel('Refresh every').selectOption('2000');
      await eventually(() => assert.ok(seen.refreshes >= 2, `${seen.refreshes} refreshes`), 20_000, 500);
      await page.getByTestId('connection-status').getByText('Connected').waitFor();
      assert.equal(seen.refused, 0, 'no request was refused');
      await page.getByTestId('identity').getByText(ctx.users.admin.email).waitFor();
    },
  },
  {
    name: 'sign-out ends the session on the server',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/decisions`);
      const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('amaima.session')));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('amaima.session')), null);
      const refresh = await ctx.api.call('POST', '/v1/auth/refresh', { refresh_token: session.refreshToken }, null);
      assert.equal(refresh.status, 401);
      const access = await ctx.api.call('GET', '/v1/auth/me', undefined, session.accessToken);
      assert.equal(access.status, 401, 'the access token is revoked too');
    },
  },
];
