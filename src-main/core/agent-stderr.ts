/**
 * agentStderrRelay: the agent's stderr, line by line, into the desktop log. The agent's `stdio`
 * writes JSON log lines there (its `auto` format over a pipe); each becomes `agent: <msg>` at
 * the agent's own level, with the host and the agent's fields. Anything else on stderr (sudo's
 * complaints, a crash's stack trace, Node's last words) is kept as a warning, line by line.
 */
import type { LogFn, LogLevel } from './log-file.js';

/** A line longer than this is logged in pieces rather than buffered without bound. */
const MAX_LINE = 16 * 1024;
const LEVELS = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

export function agentStderrRelay(log: LogFn, host: string): (chunk: string) => void {
  let partial = '';
  const line = (text: string): void => {
    if (!text.trim()) return;
    if (text.startsWith('{')) {
      try {
        const { time: _time, level, msg, ...fields } = JSON.parse(text) as Record<string, unknown>;
        if (typeof msg === 'string') {
          log(`agent: ${msg}`, { host, ...fields }, LEVELS.has(level as LogLevel) ? (level as LogLevel) : 'info');
          return;
        }
      } catch {
        // not a log line after all: kept as text below
      }
    }
    log('agent stderr', { host, text }, 'warn');
  };
  return (chunk) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      line(partial.slice(0, nl).replace(/\r$/, ''));
      partial = partial.slice(nl + 1);
    }
    if (partial.length > MAX_LINE) {
      line(partial);
      partial = '';
    }
  };
}
