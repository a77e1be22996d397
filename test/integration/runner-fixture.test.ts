// A deliberately failing test, active only when the runner's self-test (runner.test.ts) asks
// for it; in a normal run it is skipped.
import { describe, expect, it } from 'vitest';

describe.runIf(process.env.WGPILOT_RUNNER_SELFTEST === '1')('runner self-test fixture', () => {
  it('fails on purpose', () => {
    expect('the lab must still come down').toBe('a failure');
  });
});
