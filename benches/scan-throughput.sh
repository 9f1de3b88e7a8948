#!/usr/bin/env bash
# Scan throughput of `buildmail explain --scan` on a generated log of about 100 MB, with the
# release binary. Usage: benches/scan-throughput.sh [size-in-MB]. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-100}"
log="$(mktemp -t buildmail-scan-XXXXXX.log)"
trap 'rm -f "$log"' EXIT

cargo build --release -p buildmail --quiet
bin="${CARGO_TARGET_DIR:-target}/release/buildmail"

# A Jenkins-like log: mostly build noise with numbers in it, one SMTP failure per 10,000 lines.
python3 benches/compare/scan-log.py "$log" "$size_mb"

ls -l "$log"
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -f "%e s wall, %U s user, %M KiB peak memory" \
    "$bin" explain --scan "$log" --output json > /dev/null
else
  time "$bin" explain --scan "$log" --output json > /dev/null
fi
