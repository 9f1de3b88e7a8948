#!/usr/bin/env bash
# Builds one message for many recipients through the real binary (`send --dry-run`) and reports
# CPU time and peak memory: building is linear in the number of recipients.
#
#   benches/many-recipients.sh [COUNT...]        default: 1000 2000 4000 10000
#   BUILDMAIL=path/to/buildmail benches/many-recipients.sh
set -euo pipefail

bin="${BUILDMAIL:-target/release/buildmail}"
if [[ ! -x "$bin" ]]; then
  cargo build --release -p buildmail
fi
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(1000 2000 4000 10000)

for count in "${counts[@]}"; do
  # One --to per 2,000 addresses: a single argument is limited to 128 KiB on Linux.
  args=()
  for ((first = 1; first <= count; first += 2000)); do
    last=$((first + 1999 < count ? first + 1999 : count))
    args+=(--to "$(seq "$first" "$last" | sed 's/.*/dev&@example.com/' | paste -sd,)")
  done
  /usr/bin/time -f "$count recipients: %U s user, %e s wall, %M KiB peak memory" \
    "$bin" send --dry-run --from ci@example.com "${args[@]}" --subject bench --body hi > /dev/null
done
