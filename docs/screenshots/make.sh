#!/usr/bin/env bash
# Renders the default notification emails to PNGs, from the real HTML `buildmail notify
# --dry-run` composes on a GitHub push:
#
#   failure-desktop.png  failure-phone.png  failure-desktop-dark.png  failure-phone-dark.png
#   success-desktop.png  success-phone.png  success-desktop-dark.png  success-phone-dark.png
#
# Needs cargo, python3 and Debian's chromium (`apt-get install chromium`); optipng shrinks the
# PNGs when it is installed. No network: the script checks that the HTML loads nothing remote.
#
#   docs/screenshots/make.sh            # writes the PNGs next to this script
#   OUT=/tmp/shots docs/screenshots/make.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$here}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -x "$chromium" ] || { echo "make.sh: chromium not found: apt-get install chromium" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

cargo build --quiet --manifest-path "$root/Cargo.toml" -p buildmail --bin buildmail
target="$(cargo metadata --quiet --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
buildmail="$target/debug/buildmail"

# The fixture is GitHub's sample push payload; the variables make it a push to main. The head
# commit's message and author come from flags, as a workflow would pass them.
cat >"$work/build.log" <<'LOG'
   Compiling shop v0.4.2 (/home/runner/work/Hello-World/Hello-World)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 41.87s
     Running unittests src/lib.rs (target/debug/deps/shop-5f1c0e2a9b7d3c41)

running 48 tests
test cart::tests::empty_cart_costs_nothing ... ok
test cart::tests::discount_applies_once ... ok
test cart::tests::total_rounds_half_even ... FAILED
test checkout::tests::card_declined_is_reported ... ok
test checkout::tests::address_is_required ... ok

failures:

---- cart::tests::total_rounds_half_even stdout ----
thread 'cart::tests::total_rounds_half_even' panicked at src/cart.rs:212:9:
assertion `left == right` failed: 3 items at 0.335 each
  left: 1.01
 right: 1.00
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

failures:
    cart::tests::total_rounds_half_even

test result: FAILED. 47 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.42s

error: test failed, to rerun pass `--lib`
Error: Process completed with exit code 101.
LOG
# The test results the same run wrote (cargo-nextest's JUnit report): the mail shows the count
# and the failed test above the log.
mkdir -p "$work/target/nextest/ci"
cat >"$work/target/nextest/ci/junit.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="48" failures="1" errors="0" uuid="0b7c1e4a" timestamp="2026-11-29T10:00:00Z" time="0.42">
  <testsuite name="shop" tests="48" disabled="0" errors="0" failures="1">
    <testcase name="cart::tests::total_rounds_half_even" classname="shop" timestamp="2026-11-29T10:00:00Z" time="0.003">
      <failure type="test failure">thread 'cart::tests::total_rounds_half_even' panicked at src/cart.rs:212:9:
assertion `left == right` failed: 3 items at 0.335 each
  left: 1.01
 right: 1.00</failure>
    </testcase>
XML
for i in $(seq 1 47); do
  echo "    <testcase name=\"cart::tests::case_$i\" classname=\"shop\" time=\"0.001\"/>" >>"$work/target/nextest/ci/junit.xml"
done
printf '  </testsuite>\n</testsuites>\n' >>"$work/target/nextest/ci/junit.xml"

# The same colours a terminal log carries: buildmail strips them.
sed -i 's/FAILED/\x1b[31mFAILED\x1b[0m/; s/^error:/\x1b[1;31merror\x1b[0m:/' "$work/build.log"

notify() {
  (cd "$work" && env -i PATH="$PATH" HOME="$work" \
    GITHUB_ACTIONS=true \
    GITHUB_SERVER_URL=https://github.com \
    GITHUB_REPOSITORY=Codertocat/Hello-World \
    GITHUB_WORKFLOW=CI \
    GITHUB_RUN_NUMBER=812 \
    GITHUB_RUN_ID=9283746501 \
    GITHUB_EVENT_NAME=push \
    GITHUB_EVENT_PATH="$root/tests/fixtures/github-events/push.json" \
    GITHUB_REF=refs/heads/main GITHUB_REF_NAME=main GITHUB_REF_TYPE=branch \
    GITHUB_SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246 \
    GITHUB_ACTOR=Codertocat \
    "$buildmail" notify --dry-run \
    --from 'CI <ci@example.com>' --to team@example.com \
    --commit-message 'Round cart totals half to even' --author 'Mona Lisa Octocat' \
    --duration '3m 12s' "$@")
}

# The Message-ID, the Date and the MIME boundaries change from run to run; the HTML part does
# not, so the PNGs are reproducible.
notify --status failure --previous-status success --log "$work/build.log" --log-lines 20 \
  --test-results 'target/nextest/**/*.xml' >"$work/failure.eml"
notify --status success --previous-status success >"$work/success.eml"

for name in failure success; do
  python3 - "$work/$name.eml" "$work/$name.html" <<'PY'
import email, email.policy, re, sys
message = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
html = message.get_body(preferencelist=("html",)).get_content()
# Nothing may load from the network: no src/srcset, no url(...), no <link>, no @import.
remote = re.findall(r"""(?i)\b(?:src|srcset|background)\s*=|url\s*\(|<link\b|@import|<script\b""", html)
if remote:
    sys.exit(f"make.sh: {sys.argv[1]}: the HTML loads remote resources or runs scripts: {remote}")
open(sys.argv[2], "w", encoding="utf-8").write(html)
PY
done

chrome() { # arguments for chromium after the common ones
  local profile status=0
  profile="$(mktemp -d)"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-quic \
    --user-data-dir="$profile" --hide-scrollbars --force-device-scale-factor=1 "$@" \
    2>/dev/null || status=$?
  rm -rf "$profile"
  return "$status"
}

# The email's height at a width, so a screenshot ends where the email does. Headless Chromium's
# window is at least 500 px wide, so the email is measured in a frame of the width; the script
# that measures it is in the frame's parent page, never in the email.
height() { # name width
  cat >"$work/measure-$2.html" <<HTML
<body style="margin:0"><iframe src="$1.html" width="$2" height="100" style="border:0"
onload="document.body.setAttribute('data-height', this.contentDocument.documentElement.scrollHeight)"></iframe></body>
HTML
  chrome --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom \
    "file://$work/measure-$2.html" | sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n 1
}

shoot() { # name width height scheme
  local name="$1" width="$2" tall="$3" scheme="$4" suffix="" device=desktop dark=()
  [ "$width" -lt 600 ] && device=phone
  if [ "$scheme" = dark ]; then
    suffix="-dark"
    # `prefers-color-scheme: dark`, without Chromium's own darkening of the page.
    dark=(--force-dark-mode)
  fi
  local png="$out/$name-$device$suffix.png"
  chrome "${dark[@]}" --screenshot="$png" --window-size="$width,$tall" \
    "file://$work/$name.html" >/dev/null
  if command -v optipng >/dev/null; then optipng -quiet -o2 -strip all "$png"; fi
  echo "$png"
}

for name in failure success; do
  for width in 800 390; do
    tall="$(height "$name" "$width")"
    [ -n "$tall" ] || { echo "make.sh: could not measure $name.html at $width px" >&2; exit 1; }
    for scheme in light dark; do shoot "$name" "$width" "$tall" "$scheme"; done
  done
done
