import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/** Retries `check` until it stops throwing or `timeoutMs` passes (then throws its last error). */
export async function eventually(check, timeoutMs = 10_000, stepMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await sleep(stepMs);
    }
  }
}

export { assert, sleep };
