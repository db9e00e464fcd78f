// Processes and HTTP helpers of the end-to-end run: the fake provider and `amaima serve` on
// loopback, each with its own temporary directory and log.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ADMIN_KEY = 'amk_e2e_bootstrap_admin_key_0123456789';

/** Waits for `file` to hold a port number written by a starting process. */
async function waitForPort(file, child, name, logFile, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode}):\n${tail(logFile)}`);
    }
    if (existsSync(file)) {
      const port = Number(readFileSync(file, 'utf8').trim());
      if (port > 0) {
        return port;
      }
    }
    await sleep(50);
  }
  throw new Error(`${name} did not become ready within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function start(binary, args, env, logFile) {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build the C++ targets first (cmake --build build/release)`);
  }
  const out = openSync(logFile, 'a');
  const child = spawn(binary, args, { env, stdio: ['ignore', out, out] });
  closeSync(out);
  return child;
}

export class Processes {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'amaima-e2e-'));
    this.children = [];
  }

  async startFake(binDir) {
    const binary = join(binDir, 'amaima-fake-provider');
    const ready = join(this.dir, 'fake.port');
    const log = join(this.dir, 'fake.log');
    const child = start(binary, ['--port', '0', '--ready-file', ready], process.env, log);
    this.children.push(child);
    const port = await waitForPort(ready, child, 'amaima-fake-provider', log);
    return { url: `http://127.0.0.1:${port}`, log };
  }

  async startServer(binDir, { repoRoot, fakeUrl, consoleDir, extraEnv = {}, name = 'amaima' }) {
    const binary = join(binDir, 'amaima');
    const dataDir = join(this.dir, `${name}-data`);
    const ready = join(this.dir, `${name}.port`);
    const log = join(this.dir, `${name}.log`);
    const env = {
      ...process.env,
      AMAIMA_ADMIN_API_KEY: ADMIN_KEY,
      AMAIMA_EXECUTION_MODE: 'execution-enabled',
      AMAIMA_PROVIDERS__OPENAI__BASE_URL: `${fakeUrl}/v1`,
      AMAIMA_PROVIDERS__ANTHROPIC__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__GEMINI__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__OLLAMA__BASE_URL: fakeUrl,
      AMAIMA_PROVIDERS__OPENAI__API_KEY: 'sk-upstream',
      AMAIMA_CONSOLE__DIR: consoleDir,
      ...extraEnv,
    };
    const args = ['serve', '--config', join(repoRoot, 'config/amaima.yaml'), '--port', '0', '--data-dir', dataDir, '--ready-file', ready];
    const child = start(binary, args, env, log);
    this.children.push(child);
    const port = await waitForPort(ready, child, 'amaima serve', log);
    return { url: `http://127.0.0.1:${port}`, log };
  }

  async stop() {
    for (const child of this.children.reverse()) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const exited = await Promise.race([
          new Promise((resolve) => child.once('exit', () => resolve(true))),
          sleep(10_000).then(() => false),
        ]);
        if (!exited) {
          child.kill('SIGKILL');
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small JSON client for the API, used to prepare data and to check what the UI did. */
export class Api {
  constructor(base, credential) {
    this.base = base;
    this.credential = credential;
  }

  async call(method, path, body, credential = this.credential) {
    const headers = { accept: 'application/json' };
    if (credential) {
      headers.authorization = `Bearer ${credential}`;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  }

  async ok(method, path, body) {
    const result = await this.call(method, path, body);
    if (result.status >= 300) {
      throw new Error(`${method} ${path} answered ${result.status}: ${JSON.stringify(result.json)}`);
    }
    return result.json;
  }
}
