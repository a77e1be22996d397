/** until resolves once `check` passes, polling every 10 ms; it rejects after `ms`, naming `what`. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); await sleep(10)) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
  }
}
