/**
 * Command-line parsing for every subcommand: `node:util` parseArgs in strict mode over the
 * command's spec (specs.ts), so an unknown or misspelt flag is an error instead of being
 * ignored (`install-service --stat-dir X` used to install with the default state dir).
 *
 * Design decisions:
 * - Strict parsing decides; the message is ours. parseArgs' own errors are long and generic, so
 *   on failure the same arguments are read again as tokens to name the bad flag precisely
 *   ("unknown option --stat-dir (did you mean --state-dir?)").
 * - `--help`/`-h` anywhere before `--` wins over every other problem: someone asking for help
 *   after a typo should get the help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS, type CommandName, type CommandSpec } from './specs.js';

/** UsageError: the command line (or the environment, or the config file) is wrong. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly command: CommandName | undefined,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export type OptionValues = Record<string, string | boolean | undefined>;

export type Parsed = { help: true } | { help: false; values: OptionValues; positionals: string[] };

type Options = NonNullable<ParseArgsConfig['options']>;

function parseOptions(spec: CommandSpec): Options {
  const options: Options = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) options[name] = { type: o.type };
  return options;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known option closest to `name`, when it is close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(name, k);
    if (!best || d < best.d) best = { name: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined;
}

/** What is wrong with `args`, read token by token (only called once strict parsing failed). */
function describeProblem(spec: CommandSpec, args: readonly string[], fallback: string): string {
  const { tokens } = parseArgs({ args: [...args], options: parseOptions(spec), strict: false, allowPositionals: true, tokens: true });
  let positionals = 0;
  for (const t of tokens) {
    if (t.kind === 'option') {
      const o = spec.options[t.name];
      if (!o) {
        const hint = suggest(t.name, Object.keys(spec.options));
        return `unknown option ${t.rawName}${hint ? ` (did you mean --${hint}?)` : ''}`;
      }
      // Strict parsing refuses `--state-dir --x` as ambiguous; read loosely, --x became the value.
      const missing = t.value === undefined || (!t.inlineValue && t.value.startsWith('-'));
      if (o.type === 'string' && missing) return `${t.rawName} needs a value${o.value ? ` (${t.rawName} ${o.value})` : ''}`;
      if (o.type === 'boolean' && t.inlineValue) return `${t.rawName} takes no value`;
    } else if (t.kind === 'positional' && ++positionals > spec.maxPositionals) {
      return spec.maxPositionals === 0 ? `unexpected argument "${t.value}": ${spec.name} takes options only` : `unexpected argument "${t.value}"`;
    }
  }
  return fallback;
}

/** parseCommand parses `args` (after the command name) against the command's spec. */
export function parseCommand(name: CommandName, args: readonly string[]): Parsed {
  const spec = COMMANDS[name];
  const options = parseOptions(spec);
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    // No option is `multiple`, so every value is a string or a boolean.
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true }) as { values: OptionValues; positionals: string[] };
  } catch (err) {
    throw new UsageError(name, describeProblem(spec, args, (err as Error).message), { cause: err });
  }
  if (parsed.positionals.length > spec.maxPositionals) throw new UsageError(name, describeProblem(spec, args, 'too many arguments'));
  const { help: _help, ...values } = parsed.values;
  return { help: false, values, positionals: parsed.positionals };
}

/** helpText: the usage line, what the command does, and each option. */
export function helpText(name: CommandName): string {
  const spec = COMMANDS[name];
  const rows: Array<readonly [string, string]> = Object.entries(spec.options).map(([opt, o]) => [`  --${opt}${o.value ? ` ${o.value}` : ''}`, o.help]);
  rows.push(['  -h, --help', 'print this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return (
    `usage: wgpilot-agent ${name} ${spec.synopsis}\n\n${spec.summary}.\n${spec.details ? `${spec.details}\n` : ''}\noptions:\n` +
    rows.map(([l, h]) => `${l.padEnd(width)}${h}`).join('\n') +
    '\n'
  );
}

/** The top-level usage: every command with its summary. */
export function usageText(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(17)}${c.summary}`);
  return (
    'usage: wgpilot-agent <command> [options]\n\ncommands:\n' +
    rows.join('\n') +
    '\n  help [command]   print this help, or the help of a command\n\n' +
    '`wgpilot-agent <command> --help` lists its options. Exit status: 0 done, 1 failed while\n' +
    'running, 2 bad command line or config file (nothing done). The protocol is in PROTOCOL.md.\n'
  );
}
