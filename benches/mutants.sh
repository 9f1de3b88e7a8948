#!/usr/bin/env bash
# Mutation testing of the modules that carry buildmail's promises (docs/testing.md): cargo-mutants
# puts one small bug at a time into a copy of the tree and runs the tests that matter for that
# module; a mutant no test notices is "missed". Too slow for .ci/run: run it by hand after
# changing one of these modules, and record the counts in docs/testing.md.
#
#   benches/mutants.sh                 every module below, one after the other
#   benches/mutants.sh hint untrusted  only those (names from the table below)
#   TIMEOUT=300 benches/mutants.sh policy
#   MUTANTS_ARGS='-F clock_duration' benches/mutants.sh hint   more cargo-mutants options
#
# Results: $CARGO_TARGET_DIR/mutants/<name>/mutants.out/{caught,missed,unviable,timeout}.txt
#
# cargo-mutants mutates a copy of the tree. By default that copy lives in a new temporary
# directory with its own target directory, so every run builds all dependencies again; here the
# copy is made once at a fixed place ($CARGO_TARGET_DIR/mutants/src, uncommitted changes
# included) and mutated in place, building into $CARGO_TARGET_DIR: dependencies build once.
# In place, mutants are tested one at a time (what -j 1 would ask; cargo-mutants refuses both).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi

# name | file(s) mutated (space-separated) | package mutated | test packages | cargo test args
# The test args keep each run to the test targets that exercise the module: every target left
# out is one less binary to rebuild for each mutant.
modules=(
  "hint|crates/buildmail-core/src/hint.rs|buildmail-core|buildmail-core|--lib --test replies --test delivery"
  "untrusted|crates/buildmail-core/src/untrusted.rs|buildmail-core|buildmail-core|--lib"
  "policy|crates/buildmail-core/src/policy.rs|buildmail-core|buildmail-core|--lib --test delivery --test chaos --test first_minutes"
  "reply|crates/buildmail-core/src/reply.rs|buildmail-core|buildmail-core|--lib --test replies --test delivery"
  "encode|crates/buildmail-core/src/compose/encode.rs|buildmail-core|buildmail-core|--lib --test notify_mail"
  "session|crates/buildmail-core/src/session.rs|buildmail-core|buildmail-core buildmail|--tests"
  "deliver|crates/buildmail-core/src/deliver.rs|buildmail-core|buildmail-core buildmail|--tests"
  "outbox|crates/buildmail-core/src/outbox/*.rs|buildmail-core|buildmail-core buildmail|--tests"
  "workflow|crates/buildmail-action/src/workflow/*.rs|buildmail-action|buildmail-action|--tests"
)

wanted=("$@")
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
export CARGO_TARGET_DIR="$target" CARGO_INCREMENTAL=0

# The tree as it is now: tracked files and new ones not ignored, the work tree's content.
src="$target/mutants/src"
rm -rf "$src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"

for row in "${modules[@]}"; do
  IFS='|' read -r name files package test_packages test_args <<<"$row"
  if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then
    continue
  fi
  args=(--in-place --dir "$src" --package "$package" --timeout "${TIMEOUT:-180}" --build-timeout 900
    --output "$target/mutants/$name")
  for file in $files; do args+=(--file "$file"); done
  for test_package in $test_packages; do args+=(--test-package "$test_package"); done
  for arg in $test_args; do args+=("--cargo-arg=$arg"); done
  read -r -a extra <<<"${MUTANTS_ARGS:-}"
  args+=("${extra[@]}")
  mkdir -p "$target/mutants"
  echo "== $name: cargo mutants ${args[*]}"
  # cargo-mutants exits 2 when a mutant is missed and 3 on a timeout: report, then go on.
  status=0
  nice -n 10 cargo mutants "${args[@]}" || status=$?
  if [[ $status -ne 0 && $status -ne 2 && $status -ne 3 ]]; then
    echo "== $name: cargo mutants failed (exit $status)" >&2
    exit "$status"
  fi
  for outcome in caught missed unviable timeout; do
    printf '%s %s: %s\n' "$name" "$outcome" \
      "$(cat "$target/mutants/$name/mutants.out/$outcome.txt" 2>/dev/null | wc -l)"
  done
done
