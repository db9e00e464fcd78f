// What the SDK suites share: the real `amaima serve` in execution mode with every provider
// entry pointed at the fake provider on loopback (both binaries from AMAIMA_BINARY and
// AMAIMA_FAKE_PROVIDER), and the fake's control API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function startProcess(children, binary, args, env, readyFile) {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  children.push(child);
  for (let i = 0; i < 600; i++) {
    if (existsSync(readyFile)) {
      const port = readFileSync(readyFile, 'utf8').trim();
      if (port) return Number(port);
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${binary} did not start: ${stderr}`);
}

// The admin API key AMAIMA is started with; the SDK clients authenticate with it.
export const adminKey = 'amk_sdk-test-admin-key-000000001';

// Starts the fake provider and AMAIMA; returns {port, script(rules), fakeRequests(), stop()}.
export async function startGateway(name) {
  const amaimaBinary = process.env.AMAIMA_BINARY;
  const fakeBinary = process.env.AMAIMA_FAKE_PROVIDER;
  assert.ok(amaimaBinary && fakeBinary, 'AMAIMA_BINARY and AMAIMA_FAKE_PROVIDER must be set');
  const work = mkdtempSync(join(tmpdir(), `amaima-${name}-`));
  const children = [];
  const fakePort = await startProcess(children, fakeBinary, ['--ready-file', join(work, 'fake.port')], {},
    join(work, 'fake.port'));
  const fakeUrl = `http://127.0.0.1:${fakePort}`;
  const port = await startProcess(children, amaimaBinary,
    ['serve', '--port', '0', '--data-dir', join(work, 'data'), '--ready-file', join(work, 'amaima.port')],
    {
      AMAIMA_ADMIN_API_KEY: adminKey,
      AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE: '100000',
      AMAIMA_EXECUTION_MODE: 'execution-enabled',
      AMAIMA_PROVIDERS__OPENAI__BASE_URL: `${fakeUrl}/v1`,
      AMAIMA_PROVIDERS__ANTHROPIC__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__GEMINI__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__OLLAMA__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__OPENAI__BACKOFF_BASE_MS: '1',
      AMAIMA_PROVIDERS__ANTHROPIC__BACKOFF_BASE_MS: '1',
      AMAIMA_PROVIDERS__GEMINI__BACKOFF_BASE_MS: '1',
      AMAIMA_PROVIDERS__OLLAMA__BACKOFF_BASE_MS: '1',
      AMAIMA_OBSERVABILITY__LOG_LEVEL: 'warning',
    },
    join(work, 'amaima.port'));
  return {
    port,
    // Replaces the fake provider's script.
    async script(rules) {
      const response = await fetch(`${fakeUrl}/__fake/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rules),
      });
      assert.equal(response.status, 200, await response.text());
    },
    // The requests the fake provider received, oldest first.
    async fakeRequests() {
      return (await (await fetch(`${fakeUrl}/__fake/requests`)).json()).requests;
    },
    stop() {
      for (const child of children) child.kill('SIGTERM');
      rmSync(work, { recursive: true, force: true });
    },
  };
}
