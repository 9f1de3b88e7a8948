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
python3 - "$log" "$size_mb" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
noise = [
    "[2024-05-01T02:00:04.112Z] > Task :compileJava UP-TO-DATE 4521 files in 3.2s\n",
    "[2024-05-01T02:00:04.113Z] GET https://repo.example.com/a/b/1.2.3/b-1.2.3.pom HTTP/1.1 200 OK 552 bytes\n",
    "[2024-05-01T02:00:04.114Z] Tests: 450 passed, 0 failed, port: 587 pid: 4212\n",
]
reply = "com.sun.mail.smtp.SMTPSendFailedException: 421 4.7.0 Try again later, closing connection.\n"
written, i = 0, 0
with open(path, "w") as f:
    while written < size:
        line = reply if i % 10000 == 9999 else noise[i % 3]
        f.write(line); written += len(line); i += 1
PY

ls -l "$log"
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -f "%e s wall, %U s user, %M KiB peak memory" \
    "$bin" explain --scan "$log" --output json > /dev/null
else
  time "$bin" explain --scan "$log" --output json > /dev/null
fi
