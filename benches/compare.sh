#!/usr/bin/env bash
# buildmail side by side with msmtp, swaks, Python's smtplib, nodemailer and Postfix, on loopback.
# One command from a fresh clone (Debian, as root or with sudo); see docs/benchmarks.md.
#
#   benches/compare.sh                      everything: cost, refusal, flush, scan (about 6 min)
#   benches/compare.sh --sections cost      only some: cost,refusal,flush,scan (the others keep
#                                           their numbers in compare.json; the run is listed
#                                           under partial_runs)
#   benches/compare.sh --runs 31 --flush-count 100 --scan-mb 200 --bound 90
#   LOAD_NOTE="idle machine" benches/compare.sh     says in the results under what load they ran
#   BUILDMAIL=path/to/buildmail benches/compare.sh  measures that binary instead of building one
#
# Writes benches/results/compare.json, benches/results/compare.md (the tables) and
# docs/benchmarks-cost.svg, docs/benchmarks-delivery.svg. Everything it starts (sims, Postfix,
# the clients) is stopped on exit; every connection goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"

# Debian's packages, installed only when missing. Postfix is installed without a configuration
# (so the system's own instance never starts); the benchmark runs its own on a loopback port.
missing=()
for pair in msmtp:msmtp swaks:swaks postfix:postfix rg:ripgrep valgrind:valgrind \
  node:nodejs npm:npm; do
  command -v "${pair%%:*}" > /dev/null || [[ -x /usr/sbin/${pair%%:*} ]] || missing+=("${pair#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing ${missing[*]}" >&2
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" > /dev/null
fi
# nodemailer at the version range of dawidd6/action-send-mail, beside its script.
if [[ ! -d benches/compare/node_modules/nodemailer ]]; then
  (cd benches/compare && npm install --no-audit --no-fund --silent)
fi

bin="${BUILDMAIL:-}"
if [[ -z "$bin" ]]; then
  cargo build --release -p buildmail --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/buildmail"
fi

work="$(mktemp -d -t buildmail-compare-XXXXXX)"
chmod 755 "$work"
stop() {
  # Postfix first (its own master process), then whatever compare.py started, by process id.
  if [[ -f "$work/postfix/conf/main.cf" ]]; then
    postfix -c "$work/postfix/conf" stop > /dev/null 2>&1 || true
  fi
  if [[ -f "$work/pids" ]]; then
    while read -r pid; do kill "$pid" 2> /dev/null || true; done < "$work/pids"
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

mkdir -p benches/results
python3 benches/compare/compare.py --bin "$bin" --work "$work" \
  --results benches/results/compare.json --load "${LOAD_NOTE:-}" "$@"
python3 benches/compare/render.py benches/results/compare.json benches/results/compare.md docs
cat benches/results/compare.md
