// End-to-end tests of the console: a real `amaima serve` (serving web/dist) in front of the
// fake provider, driven through Debian's Chromium (playwright-core, no browser download).
//
//   npm run e2e            (from web/, after `npm run build` and the C++ build)
//
// AMAIMA_BIN_DIR  directory of `amaima` and `amaima-fake-provider` (default ../build/release)
// CHROMIUM        the browser (default /usr/bin/chromium)
// E2E_ONLY        run only the scenarios whose name contains this text

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Processes, tail } from './harness.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { prepare } from './setup.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(webDir, '..');
const binDir = resolve(webDir, process.env.AMAIMA_BIN_DIR ?? '../build/release');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const consoleDir = join(webDir, 'dist');
const artifacts = join(webDir, 'e2e', 'artifacts');
const SCENARIO_TIMEOUT_MS = 90_000;

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

if (!existsSync(chromiumPath)) {
  fail(`Chromium not found at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM.`);
}
if (!existsSync(join(consoleDir, 'index.html'))) {
  fail(`${consoleDir}/index.html is missing: run \`npm run build\` first.`);
}
for (const binary of ['amaima', 'amaima-fake-provider']) {
  if (!existsSync(join(binDir, binary))) {
    fail(`${join(binDir, binary)} is missing: build the C++ targets first, or set AMAIMA_BIN_DIR.`);
  }
}

rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

const started = Date.now();
const processes = new Processes();
let browser = null;
const results = [];
try {
  const fake = await processes.startFake(binDir);
  const server = await processes.startServer(binDir, {
    repoRoot,
    fakeUrl: fake.url,
    consoleDir,
    extraEnv: {
      // Many requests and logins from one address in a short time.
      AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE: '1000000',
      AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_HOUR: '1000000',
      AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE: '1000000',
      AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_HOUR: '1000000',
      AMAIMA_AUTH__LOGIN_ATTEMPTS_PER_MINUTE: '1000',
      AMAIMA_AUTH__LOGIN_ATTEMPTS_PER_HOUR: '10000',
    },
  });
  console.log(`e2e: amaima ${server.url}, fake provider ${fake.url}, Chromium ${chromiumPath}`);
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const ctx = await prepare({ base: server.url, fake: fake.url, browser, artifacts });
  /** Another server, for what needs other settings (short-lived tokens). */
  ctx.startServer = (name, extraEnv) => processes.startServer(binDir, { repoRoot, fakeUrl: fake.url, consoleDir, extraEnv, name });

  const only = process.env.E2E_ONLY;
  for (const scenario of SCENARIOS.filter((s) => !only || s.name.includes(only))) {
    const t0 = Date.now();
    try {
      await Promise.race([
        scenario.run(ctx),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS).unref()),
      ]);
      results.push({ name: scenario.name, ok: true, ms: Date.now() - t0 });
      console.log(`  ✓ ${scenario.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (error) {
      results.push({ name: scenario.name, ok: false, ms: Date.now() - t0, error });
      console.log(`  ✗ ${scenario.name}: ${error instanceof Error ? error.message : error}`);
      await ctx.failureShots(scenario.name).catch(() => undefined);
    }
  }
  await ctx.close();
  const errors = ctx.pageErrors();
  if (errors.length > 0) {
    results.push({ name: 'no uncaught errors in the pages', ok: false, ms: 0, error: new Error(errors.join('\n')) });
    console.log(`  ✗ uncaught page errors:\n    ${errors.join('\n    ')}`);
  }
  if (results.some((r) => !r.ok)) {
    if (ctx.notes.length > 0) {
      console.log(`\nnotes:\n  ${ctx.notes.join('\n  ')}`);
    }
    console.log(`\namaima log (last lines):\n${tail(server.log, 20)}`);
  }
} catch (error) {
  results.push({ name: 'setup', ok: false, ms: 0, error });
  console.error(`e2e: setup failed: ${error instanceof Error ? error.stack : error}`);
} finally {
  await browser?.close().catch(() => undefined);
  await processes.stop();
}

const failed = results.filter((r) => !r.ok);
const shots = readdirSync(artifacts).filter((f) => f.endsWith('.png'));
console.log(
  `\ne2e: ${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
    `${shots.length} screenshots in ${artifacts}`,
);
process.exit(failed.length > 0 ? 1 : 0);
