// The room rule (eslint.config.js) fires on deliberately bad fixtures and allows type imports.
import { ESLint } from 'eslint';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function lintAs(fixture: string, filePath: string) {
  const code = fs.readFileSync(path.join(root, 'test/fixtures/rooms', fixture), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports');
}

describe('room lint rule', () => {
  it.each([
    ['renderer-node-builtin.ts', 'src-renderer/bad.ts', /no Node built-ins/],
    ['renderer-agent-value.ts', 'src-renderer/bad.ts', /only `import type` from agent/],
    ['core-electron.ts', 'src-main/core/bad.ts', /plain Node: no electron/],
    ['agent-desktop.ts', 'agent/src/bad.ts', /only `import type` from src-main/],
    ['agent-koffi.ts', 'agent/src/services/bad.ts', /Only agent\/src\/netlink\/ffi\/ may import koffi/],
  ])('rejects %s linted as %s', async (fixture, as, message) => {
    const errors = await lintAs(fixture, as);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(message);
  });

  it('allows a type-only import across rooms', async () => {
    expect(await lintAs('renderer-agent-type.ts', 'src-renderer/ok.ts')).toEqual([]);
  });

  it('allows koffi inside agent/src/netlink/ffi', async () => {
    expect(await lintAs('agent-koffi.ts', 'agent/src/netlink/ffi/ok.ts')).toEqual([]);
  });
});
