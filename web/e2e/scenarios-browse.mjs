// Decisions (table, filters, pages, detail), the dashboard, budgets and the audit trail.

import { SEED_QUERIES } from './setup.mjs';
import { assert, eventually, sleep } from './util.mjs';

const rowsOf = (page) => page.getByRole('region', { name: 'Decisions table' }).locator('tbody tr');

export const BROWSE_SCENARIOS = [
  {
    name: 'decisions: table, level filter, pages and the detail view with executions and feedback',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/decisions?limit=10`);
      await rowsOf(page).first().waitFor();
      assert.equal(await rowsOf(page).count(), 10);
      const firstPage = await rowsOf(page).allInnerTexts();
      await page.getByRole('button', { name: 'Older →' }).click();
      await page.getByText('Page 2').waitFor();
      await eventually(async () => assert.notDeepEqual(await rowsOf(page).allInnerTexts(), firstPage));
      await page.getByRole('button', { name: '← Newer' }).click();
      await page.getByText('Page 1').waitFor();

      const all = (await ctx.api.ok('GET', '/v1/decisions?limit=500')).data;
      const level = all[0].route.routed_level;
      const expected = all.filter((d) => d.route.routed_level === level).length;
      await page.getByLabel('Per page').selectOption('100');
      await page.getByLabel('Routed level').selectOption(level);
      await eventually(async () => assert.equal(await rowsOf(page).count(), expected));
      const levels = await rowsOf(page).locator('.badge--level').allInnerTexts();
      assert.ok(levels.every((l) => l === level), `every row is ${level}`);
      await page.getByLabel('Routed level').selectOption('');
      await eventually(async () => assert.equal(await rowsOf(page).count(), Math.min(100, all.length)));
      await ctx.shot(page, 'decisions');

      await page.getByRole('link', { name: `Decision ${ctx.state.askedDecision}` }).click();
      await page.getByRole('heading', { name: 'Decision', exact: true }).waitFor();
      await page.getByText(ctx.state.askedDecision).first().waitFor();
      const executions = page.getByRole('region', { name: 'Executions table' });
      await executions.locator('tbody tr').first().waitFor();
      assert.match(await executions.innerText(), /\bok\b/);
      await page.getByText('level COMPLEX').waitFor();
      await page.getByRole('region', { name: 'Fallback chain' }).waitFor();
      await ctx.shot(page, 'decision-detail');
    },
  },
  {
    name: 'decisions: the live feed (WebSocket) adds decisions as they are made',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/decisions`);
      await rowsOf(page).first().waitFor();
      await page.getByRole('checkbox', { name: /Live/ }).check();
      await eventually(async () => {
        await ctx.api.ok('POST', '/v1/simulate', { query: 'Translate "good morning" into French.' });
        await page.locator('tr.table__row--fresh').first().waitFor({ timeout: 1000 });
      });
      const fresh = await page.locator('tr.table__row--fresh').first().innerText();
      assert.match(fresh, /simulated/);
      await page.getByRole('checkbox', { name: /Live/ }).uncheck();
    },
  },
  {
    name: 'keyboard: a skip link, then the navigation and the page in order',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/decisions`);
      await rowsOf(page).first().waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('main') !== null), true);
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SELECT');
    },
  },
  {
    name: 'decisions: a missing decision shows the error code and its request id',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/decisions/01a20000-0000-7000-8000-000000000000`);
      const alert = page.getByRole('alert');
      await alert.getByText(/^QUERY_(DECISION_)?NOT_FOUND$/).waitFor();
      assert.match(await alert.innerText(), /Request id\s+[0-9a-f-]{36}/);
    },
  },
  {
    name: 'dashboard: live charts from /metrics while traffic flows',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/dashboard`);
      await page.getByLabel('Refresh every').selectOption('2000');
      await page.getByTestId('connection-status').getByText('Connected').waitFor();
      // Traffic across several scrapes, so that every chart has a few points.
      for (let i = 0; i < 16; i++) {
        await ctx.api.ok('POST', '/v1/query', { query: SEED_QUERIES[i % SEED_QUERIES.length] });
        await sleep(400);
      }
      const chart = (title) => page.locator('figure.chart', { has: page.getByText(title, { exact: true }) });
      await eventually(async () => {
        assert.match(await chart('API requests per second').locator('.chart__legend').innerText(), /all: \d/);
        assert.match(await chart('Latency (ms)').locator('.chart__legend').innerText(), /p50: \d/);
        assert.match(await chart('Cost per hour (USD)').locator('.chart__legend').innerText(), /spend: \$/);
        const latency = await chart('Latency (ms)').locator('path.chart__line').first().getAttribute('d');
        assert.ok((latency.match(/L/g) ?? []).length >= 2, `latency line ${latency}`);
      }, 15_000);
      const levels = page.locator('figure.bars', { has: page.getByText('Decisions by level') });
      assert.ok((await levels.locator('tbody tr').count()) >= 2, 'decisions of several levels');
      const stats = await page.getByLabel('Totals since the server started').innerText();
      assert.match(stats, /Decisions\s+\d+/);
      await ctx.shot(page, 'dashboard');
    },
  },
  {
    name: 'budgets: the caller’s budgets with spend, and an admin sets another',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/budgets`);
      const mine = page.getByRole('region', { name: 'Budgets that apply to you' });
      await mine.locator('tbody tr').first().waitFor();
      assert.equal(await mine.locator('tbody tr').count(), 2);
      assert.match(await mine.innerText(), /daily/);
      const form = page.getByRole('form', { name: 'Set a budget' });
      await form.getByLabel('Organisation id (default: yours)').fill('acme');
      await form.getByLabel('Period').selectOption('monthly');
      await form.getByLabel('Cap (USD)').fill('2.5');
      await form.getByRole('button', { name: 'Save budget' }).click();
      const all = page.getByRole('region', { name: 'All budgets admin' });
      await all.getByRole('cell', { name: 'acme', exact: true }).waitFor();
      const stored = (await ctx.api.ok('GET', '/v1/admin/budgets?org_id=acme')).data;
      assert.equal(stored.length, 1);
      assert.equal(stored[0].cap_usd, 2.5);
      await page.getByText('Spend by model').first().waitFor();
      await ctx.shot(page, 'budgets');
    },
  },
  {
    name: 'audit: rows, filters and the hash chain checked in the browser',
    async run(ctx) {
      const page = ctx.state.admin;
      await page.goto(`${ctx.base}/audit`);
      const table = page.getByRole('region', { name: 'Audit table' });
      await table.locator('tbody tr').first().waitFor();
      await page.getByTestId('chain-status').getByText('Hash chain intact for the rows shown').waitFor();
      assert.match(await page.getByTestId('chain-status').innerText(), /([1-9]\d*) row hash\(es\) recomputed/);
      await ctx.shot(page, 'audit');
      await page.getByLabel('Action (e.g. key.create)').fill('user.create');
      await page.getByRole('button', { name: 'Apply' }).click();
      await eventually(async () => {
        const actions = await table.locator('tbody tr td:nth-child(5)').allInnerTexts();
        assert.equal(actions.length, 3);
        assert.ok(actions.every((a) => a === 'user.create'));
      });
    },
  },
];
