/**
 * OpenSSH host patterns (ssh_config(5) "PATTERNS"): `*` and `?` wildcards, case-insensitive,
 * everything else literal (including the brackets of `[host]:port`). Shared by known_hosts and
 * ssh_config matching.
 */
export function sshPatternToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** A comma- or space-split pattern list matches when any positive pattern matches and no `!negated` one does. */
export function matchesPatternList(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (sshPatternToRegExp(negated ? raw.slice(1) : raw).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}
