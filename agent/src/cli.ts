/**
 * wgpilot-agent command line: the single entry point of the host agent bundle.
 *
 * Each subcommand's options are declared in commands/specs.ts and parsed strictly
 * (commands/args.ts) before its module is loaded; the modules load lazily so that `version`,
 * `--help` and usage errors stay instant.
 *
 * Exit status, for every command: 0 done; 1 failed while running; 2 the command line, the
 * environment or the config file is wrong, and nothing was done (README "Exit status").
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, parseCommand, UsageError, usageText, type OptionValues } from './commands/args.js';
import { COMMANDS, EXIT, isCommandName, type CommandName } from './commands/specs.js';
import { AGENT_VERSION, PROTOCOL_VERSION, type AgentInfo } from './version.js';

function version(values: OptionValues): number {
  if (values.json === true) {
    const info: AgentInfo = {
      version: AGENT_VERSION,
      protocol: PROTOCOL_VERSION,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    };
    process.stdout.write(JSON.stringify(info) + '\n');
  } else {
    process.stdout.write(`wgpilot-agent ${AGENT_VERSION}\n`);
  }
  return EXIT.ok;
}

async function run(command: CommandName, values: OptionValues, positionals: string[], env: NodeJS.ProcessEnv): Promise<number> {
  switch (command) {
    case 'version':
      return version(values);
    case 'serve':
      return (await import('./commands/serve.js')).serve(values, env);
    case 'stdio':
      return (await import('./commands/stdio.js')).stdio(values, env);
    case 'call':
      return (await import('./commands/call.js')).call(values, positionals, env);
    case 'install-service':
      return (await import('./commands/install-service.js')).installService(values, env);
  }
}

/** reportUsage prints a usage error the way the command reports errors, and returns 2. */
function reportUsage(err: UsageError): number {
  const command = err.command;
  if (command && COMMANDS[command].errorFormat === 'json') {
    process.stderr.write(JSON.stringify({ error: { appCode: 'INVALID_INPUT', message: err.message } }) + '\n');
  } else {
    const who = command ? `wgpilot-agent ${command}` : 'wgpilot-agent';
    process.stderr.write(`${who}: ${err.message}\n(\`${who} --help\` for usage)\n`);
  }
  return EXIT.usage;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !isCommandName(topic)) return reportUsage(new UsageError(undefined, `no command '${topic}'`));
    process.stdout.write(topic ? helpText(topic) : usageText());
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!isCommandName(command)) {
    process.stderr.write(`wgpilot-agent: unknown command '${command}'\n${usageText()}`);
    return EXIT.usage;
  }
  try {
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      process.stdout.write(helpText(command));
      return EXIT.ok;
    }
    return await run(command, parsed.values, parsed.positionals, env);
  } catch (err) {
    if (err instanceof UsageError) return reportUsage(err);
    throw err;
  }
}

/** Whether this module is the program (`node agent.mjs`, `tsx cli.ts`), not imported by a test. */
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`wgpilot-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
