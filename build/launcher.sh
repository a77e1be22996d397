#!/bin/sh
# wgpilot-agent launcher: runs agent.mjs with the Node.js runtime shipped next to it.
#
# `wgpilot-agent --verify <sha256> <command…>` checks the install before anything of it runs,
# as the user it runs as (root, for the desktop's sessions): this folder, every folder above it
# and everything in it belong to root and are writable by nobody else; SHA256SUMS has the
# SHA-256 the desktop expects; the files there, hashed now, are exactly SHA256SUMS (nothing
# changed, missing or unlisted; no symlink). Any failure exits with status 120 and one line on stderr, and nothing is run.
set -u
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
refuse() {
  echo "wgpilot-agent: refusing to run the agent in $dir: $*" >&2
  exit 120
}
if [ "${1:-}" = --verify ]; then
  [ $# -ge 2 ] || refuse "--verify needs the SHA-256 of SHA256SUMS"
  want=$2
  shift 2
  # This folder and every one above it, in one stat call (each process costs ~10 ms on a busy host).
  folders=/
  d=$dir
  while [ -n "$d" ]; do
    folders="$folders
$d"
    d=${d%/*}
  done
  owners=$(printf '%s\n' "$folders" | xargs -d '\n' stat -c '%u %a %n' --) || refuse "cannot stat the folders it is in"
  bad=$(printf '%s\n' "$owners" | while read -r uid mode name; do
    if [ "$uid" != 0 ] || [ $((0$mode & 022)) -ne 0 ]; then echo "$name (uid $uid, mode $mode)"; break; fi
  done)
  [ -z "$bad" ] || refuse "$bad must belong to root and be writable by nobody else"
  [ -z "$(find "$dir" \( ! -user 0 -o -perm /022 -o -type l \) -print -quit)" ] || refuse "a file in it is not root's, is writable by others, or is a symlink"
  [ -f "$dir/SHA256SUMS" ] || refuse "SHA256SUMS is missing"
  got=$(sha256sum < "$dir/SHA256SUMS")
  [ "${got%% *}" = "$want" ] || refuse "SHA256SUMS is not the one this desktop built (sha256 ${got%% *}, expected $want)"
  # The list of what is there, hashed now, must be SHA256SUMS itself: a changed file, a missing
  # one and an unlisted one all make it differ. OpenSSL's SHA-256 uses the CPU's SHA extensions
  # (about twice as fast as coreutils' here), sha256sum where there is no openssl.
  if command -v openssl >/dev/null 2>&1; then
    hashes() { xargs -r -d '\n' openssl dgst -sha256 -r | sed 's/ \*/  /'; }
  else
    hashes() { xargs -r -d '\n' sha256sum --; }
  fi
  present=$(cd "$dir" && find . -type f ! -path ./SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | hashes) || refuse "cannot hash its files"
  [ "$present" = "$(cat "$dir/SHA256SUMS")" ] || refuse "its files do not match SHA256SUMS (changed, missing or unlisted)"
fi
[ -x "$dir/node/bin/node" ] || { echo "wgpilot-agent: no Node.js runtime at $dir/node/bin/node" >&2; exit 127; }
exec "$dir/node/bin/node" "$dir/agent.mjs" "$@"
