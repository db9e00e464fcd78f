// Signing in, asking with a streamed answer, stopping a slow stream, giving feedback.

import { assert, eventually } from './util.mjs';

const MARKDOWN_ANSWER =
  'Here is a **merge** of two sorted lists:\n\n```python\ndef merge(a, b):\n    out, i, j = [], 0, 0\n' +
  '    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n            out.append(a[i]); i += 1\n' +
  '        else:\n            out.append(b[j]); j += 1\n    return out + a[i:] + b[j:]\n```\n\n' +
  'It runs in *O(n + m)* time.';

const SLOW_ANSWER = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

export const ASK_SCENARIOS = [
  {
    name: 'the console is served by amaima itself (index, deep links, assets)',
    async run(ctx) {
      const index = await fetch(`${ctx.base}/`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type') ?? '', /text\/html/);
      const html = await index.text();
      assert.match(html, /<div id="root"><\/div>/);
      const deep = await fetch(`${ctx.base}/decisions/some-id`);
      assert.equal(deep.status, 200, 'a client route falls back to index.html');
      assert.equal(await deep.text(), html);
      const asset = html.match(/\/assets\/[^"]+\.js/)?.[0];
      assert.ok(asset, 'index.html names its script');
      const script = await fetch(`${ctx.base}${asset}`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
    },
  },
  {
    name: 'an admin signs in with email and password',
    async run(ctx) {
      const page = await ctx.newPage();
      ctx.state.admin = page;
      ctx.state.refreshes = 0;
      page.on('request', (request) => {
        if (request.url().endsWith('/v1/auth/refresh')) {
          ctx.state.refreshes += 1;
        }
      });
      // Refused requests of the admin's page, for the report of a failing scenario.
      page.on('response', async (response) => {
        if (response.status() === 401) {
          const body = await response.text().catch(() => '');
          ctx.notes.push(`${new Date().toISOString()} 401 ${response.request().method()} ${response.url()} ${body.slice(0, 160)}`);
        }
      });
      await page.goto(`${ctx.base}/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.ok(page.url().endsWith('/login'), 'an anonymous visitor is sent to the login page');
      await ctx.shot(page, 'login');
      await ctx.login(page, 'admin');
      const nav = page.getByRole('navigation', { name: 'Main' });
      const links = (await nav.getByRole('link').allInnerTexts()).map((t) => t.replace(/\s*admin$/i, '').trim());
      assert.deepEqual(links, ['Ask', 'Decisions', 'Dashboard', 'Budgets', 'Audit', 'Keys', 'Users', 'Settings']);
      await page.getByTestId('identity').getByText('admin · default').waitFor();
      assert.ok(page.url().endsWith('/ask'));
    },
  },
  {
    name: 'ask: live preview, decision card and a streamed Markdown answer over the WebSocket',
    async run(ctx) {
      const page = ctx.state.admin;
      await ctx.script([{ times: 1, text: MARKDOWN_ANSWER, chunks: 14, chunk_delay_ms: 40 }]);
      const frames = { chunk: 0, url: '' };
      page.on('websocket', (ws) => {
        frames.url = ws.url();
        ws.on('framereceived', (frame) => {
          if (typeof frame.payload === 'string' && frame.payload.startsWith('{"type":"chunk"')) {
            frames.chunk += 1;
          }
        });
      });
      await page.goto(`${ctx.base}/ask`);
      await page.getByRole('textbox', { name: 'Query' }).fill('Write a Python function that merges two sorted lists.');
      await page.getByTestId('preview').getByText('model').waitFor();
      const preview = await page.getByTestId('preview').innerText();
      assert.match(preview, /(TRIVIAL|SIMPLE|MODERATE|COMPLEX|EXPERT)/);
      assert.match(preview, /\$\d/);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('article', { name: /^Decision / }).waitFor();
      await page.getByTestId('run-status').getByText('Answer complete.').waitFor();
      const answer = page.getByTestId('answer');
      assert.match(await answer.innerText(), /Here is a merge of two sorted lists/);
      assert.equal(await answer.locator('.code-block .hljs-keyword').first().innerText(), 'def');
      await answer.getByRole('button', { name: 'Copy code' }).waitFor();
      assert.ok(frames.chunk >= 10, `the answer arrived in ${frames.chunk} chunk frames`);
      assert.match(frames.url, /\/v1\/ws\?token=/);
      const id = (await page.getByRole('article', { name: /^Decision / }).getAttribute('aria-label')).replace('Decision ', '');
      ctx.state.askedDecision = id;

      await page.getByLabel('Correct level').selectOption('COMPLEX');
      await page.getByRole('radio', { name: '5' }).check();
      await page.getByRole('button', { name: 'Send feedback' }).click();
      await page.getByText(/feedback recorded/).waitFor();
      await ctx.shot(page, 'ask');
      const recorded = await ctx.api.ok('GET', `/v1/decisions/${id}`);
      assert.equal(recorded.feedback.length, 1);
      assert.equal(recorded.feedback[0].correct_level, 'COMPLEX');
      assert.equal(recorded.feedback[0].rating, 5);
    },
  },
  {
    name: 'ask: Stop cancels a slow stream and the upstream request',
    async run(ctx) {
      const page = ctx.state.admin;
      await ctx.script([{ times: 1, text: SLOW_ANSWER, chunks: 60, chunk_delay_ms: 250 }]);
      const before = (await ctx.fakeRequests()).length;
      await page.goto(`${ctx.base}/ask`);
      await page.getByRole('textbox', { name: 'Query' }).fill('Count slowly to sixty, please.');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('answer').getByText('word2').waitFor();
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByTestId('run-status').getByText('Stopped.').waitFor();
      const shown = await page.getByTestId('answer').innerText();
      assert.ok(!shown.includes('word59'), 'the answer stopped before its end');
      assert.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0);
      await eventually(async () => {
        const requests = (await ctx.fakeRequests()).slice(before);
        assert.equal(requests.length, 1);
        assert.equal(requests[0].state, 'client_disconnected', 'the upstream stream was closed');
      });
      const id = (await page.getByRole('article', { name: /^Decision / }).getAttribute('aria-label')).replace('Decision ', '');
      await eventually(async () => {
        const executions = (await ctx.api.ok('GET', `/v1/decisions/${id}/executions`)).data;
        assert.equal(executions.length, 1);
        // Recorded as a cancellation (the server names it status "error", UPSTREAM_CANCELLED).
        assert.ok(
          executions[0].status === 'cancelled' || executions[0].error_code === 'UPSTREAM_CANCELLED',
          `execution recorded as ${executions[0].status} ${executions[0].error_code}`,
        );
      });
      await ctx.script([]);
    },
  },
];
