// What every scenario shares: the users and data the server is prepared with, and helpers to
// open pages, sign in, take screenshots and script the fake provider.

import { join } from 'node:path';
import { ADMIN_KEY, Api } from './harness.mjs';

export const USERS = {
  admin: { email: 'ada.admin@e2e.test', password: 'admin-password-1', role: 'admin' },
  user: { email: 'uma.user@e2e.test', password: 'user-password-1', role: 'user' },
  viewer: { email: 'vic.viewer@e2e.test', password: 'viewer-password-1', role: 'viewer' },
};

export const SEED_QUERIES = [
  'hi',
  'What is the capital of France?',
  'Explain how TCP congestion control works, step by step.',
  'Write a Python function that merges two sorted lists and explain its complexity.',
  'Prove that there are infinitely many primes and discuss what that means for cryptography.',
  'Design a multi-region rate limiter with strong consistency guarantees, covering failure modes and trade-offs.',
];

/** Messages a healthy page may log: resources refused on purpose (401 tests) are not faults. */
function isBenign(text) {
  return /Failed to load resource/.test(text);
}

export async function prepare({ base, fake, browser, artifacts }) {
  const api = new Api(base, ADMIN_KEY);
  for (const user of Object.values(USERS)) {
    await api.ok('POST', '/v1/admin/users', user);
  }
  await api.ok('POST', '/v1/admin/orgs', { org_id: 'acme', name: 'Acme Corp' });
  await api.ok('PUT', '/v1/admin/budgets', { scope_type: 'org', period: 'daily', cap_usd: 5, action: 'reject' });
  await api.ok('PUT', '/v1/admin/budgets', { scope_type: 'org', period: 'monthly', cap_usd: 100, action: 'downgrade' });
  for (const query of SEED_QUERIES) {
    await api.ok('POST', '/v1/query', { query });
    await api.ok('POST', '/v1/simulate', { query: `${query} (simulated)` });
  }

  const contexts = [];
  const errors = [];
  const fakeApi = new Api(fake, null);

  const ctx = {
    base,
    api,
    users: USERS,
    state: {},
    /** Lines printed when a scenario fails. */
    notes: [],

    /** A fresh browser context (its own storage) and page. */
    async newPage(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !isBenign(message.text())) {
          errors.push(`${page.url()}: console.error ${message.text()}`);
        }
      });
      return page;
    },

    async login(page, who) {
      const user = USERS[who];
      await page.goto(`${base}/login`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    },

    async shot(page, name) {
      await page.evaluate(() => document.fonts?.ready);
      // Sticky headers are drawn where the page was scrolled to: shoot from the top.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    },

    async failureShots(name) {
      const safe = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      let i = 0;
      for (const context of contexts) {
        for (const page of context.pages()) {
          await page.screenshot({ path: join(artifacts, `FAILED-${safe}-${i++}.png`), fullPage: true }).catch(() => undefined);
        }
      }
    },

    /** Replaces the fake provider's script (docs: test/support/fake_provider/README.md). */
    async script(rules) {
      const result = await fakeApi.call('POST', '/__fake/script', rules);
      if (result.status !== 200) {
        throw new Error(`fake script refused: ${JSON.stringify(result.json)}`);
      }
    },

    async fakeRequests() {
      return (await fakeApi.ok('GET', '/__fake/requests')).requests;
    },

    pageErrors: () => errors,

    async close() {
      for (const context of contexts) {
        await context.close().catch(() => undefined);
      }
    },
  };
  return ctx;
}
