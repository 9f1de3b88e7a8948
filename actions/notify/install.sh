#!/usr/bin/env bash
# Installs buildmail-action for this runner (Linux, macOS) and prints `bin=<path>` to
# GITHUB_OUTPUT: from the tool cache if there; else the release asset pinned in checksums.txt,
# verified against its SHA-256; else (placeholder sums before the first release, or no asset for
# this platform) built with cargo from this action's checkout.
set -euo pipefail

action_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$action_dir/../.." && pwd)"
release_url="${BUILDMAIL_RELEASE_URL:-https://github.com/buildmail/buildmail/releases/download}"
version="$(awk '$1 == "version" { print $2 }' "$action_dir/checksums.txt")"

case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  *) target=unknown ;;
esac
asset="buildmail-action-$target.tar.gz"
expected="$(awk -v asset="$asset" '$2 == asset { print $1 }' "$action_dir/checksums.txt")"

cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/buildmail-action/$version/$target"
bin="$cache/bin/buildmail-action"

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | awk '{ print $1 }'
}

if [[ ! -x "$bin" ]]; then
  if [[ -n "$expected" && "$expected" != "$(printf '0%.0s' {1..64})" ]]; then
    download="$(mktemp -d)"
    curl --fail --silent --show-error --location --retry 3 \
      --output "$download/$asset" "$release_url/v$version/$asset"
    actual="$(sha256 "$download/$asset")"
    if [[ "$actual" != "$expected" ]]; then
      echo "::error title=buildmail-action install::$asset has SHA-256 $actual, not the $expected pinned in checksums.txt; refusing to run it"
      exit 1
    fi
    mkdir -p "$cache/bin"
    tar -xzf "$download/$asset" -C "$cache/bin" buildmail-action
    rm -rf "$download"
  else
    echo "No verified release of buildmail-action $version for $target; building it with cargo (a few minutes, cached afterwards)."
    cargo install --locked --quiet --path "$repo_dir/crates/buildmail-action" --root "$cache"
  fi
fi

echo "bin=$bin" >> "$GITHUB_OUTPUT"
