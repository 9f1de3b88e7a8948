#!/usr/bin/env bash
# Tails a 2 GB build log through the real binary and reports wall time and peak memory.
# The tail reads from the end with seeks, so both should stay flat whatever the log's size.
#
#   benches/logtail.sh [SIZE]          SIZE for truncate/head, default 2G
#   BUILDMAIL=path/to/buildmail benches/logtail.sh
set -euo pipefail

size="${1:-2G}"
bin="${BUILDMAIL:-target/release/buildmail}"
if [[ ! -x "$bin" ]]; then
  cargo build --release -p buildmail
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
log="$dir/build.log"

# A realistic log: coloured compiler lines, repeated until the file has the wanted size.
line=$'\e[32m   Compiling\e[0m crate-with-a-long-name v1.2.3 (/home/runner/work/app/app/crates/x)'
yes "$line" | head -c "$size" > "$log" || true  # yes ends on SIGPIPE
printf '\e[31merror\e[0m: could not compile `app` due to 3 previous errors\n' >> "$log"
echo "log: $(du -h "$log" | cut -f1) ($(stat -c %s "$log") bytes)"

for lines in 50 1000; do
  /usr/bin/time -f "--log-lines $lines: %e s wall, %M KiB peak memory" \
    "$bin" notify --status failure --from ci@example.com --to dev@example.com \
      --project bench --log "$log" --log-lines "$lines" --dry-run > "$dir/message.eml"
  grep -q 'could not compile' "$dir/message.eml"
done
