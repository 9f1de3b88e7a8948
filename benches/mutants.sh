#!/usr/bin/env bash
# Mutation testing of the modules that carry buildmail's promises (docs/testing.md): cargo-mutants
# puts one small bug at a time into a copy of the tree and runs the tests that matter for that
# module; a mutant no test notices is "missed". Too slow for .ci/run: run it by hand after
# changing one of these modules, and record the counts in docs/testing.md.
#
#   benches/mutants.sh                 every module below, one after the other
#   benches/mutants.sh hint untrusted  only those (names from the table below)
#   TIMEOUT=120 benches/mutants.sh policy
#   MUTANTS_ARGS='-F clock_duration' benches/mutants.sh hint   more cargo-mutants options
#
# Results: $CARGO_TARGET_DIR/mutants/<name>/mutants.out/{caught,missed,unviable,timeout}.txt
# after the first pass, and $CARGO_TARGET_DIR/mutants/<name>-wide/mutants.out/ for the second.
#
# What makes a mutant cheap (a few seconds instead of a minute on a shared 2-core machine):
# - Two passes. The first runs only the fast tests of the module (for the pure modules, the
#   mutated crate's unit tests); the second runs the wider set (integration tests, the CLI's end
#   to end tests) on the mutants the first pass missed, and only on those.
# - The `mutants` profile (root Cargo.toml): no debug info, incremental compilation of the
#   workspace members, so a one-line mutant recompiles in about 3 s.
# - The copy of the tree is made once at a fixed place ($CARGO_TARGET_DIR/mutants/src, uncommitted
#   changes included) and mutated in place, building into $CARGO_TARGET_DIR/mutants/target:
#   dependencies and the incremental cache are built once. In place, mutants are tested one at a time (-j 1).
# - The first pass of a pure module runs only the unit tests named after it (`hint::`): a mutant
#   they miss is not counted missed yet, the second pass gives it every test that could notice.
# - The baseline (the tests on the unmutated tree) runs once per module; BASELINE=skip skips it
#   when the tree is known green, with a fixed --timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi

# name | file(s) mutated | package mutated | first pass: test targets [| test name filters]
#      | second pass: test packages | second pass: test targets
# The targets are cargo options (--cargo-arg), so cargo-mutants' build step builds only them:
# every test target left out is one less binary to rebuild for each mutant.
modules=(
  "hint|crates/buildmail-core/src/hint.rs|buildmail-core|--lib|hint::|buildmail-core|--lib --test replies --test delivery --test reference"
  "untrusted|crates/buildmail-core/src/untrusted.rs|buildmail-core|--lib|untrusted::|buildmail-core buildmail|--tests"
  "policy|crates/buildmail-core/src/policy.rs|buildmail-core|--lib|policy::|buildmail-core|--lib --test delivery --test chaos --test first_minutes --test reference"
  "reply|crates/buildmail-core/src/reply.rs|buildmail-core|--lib|reply::|buildmail-core|--lib --test replies --test delivery --test reference"
  "encode|crates/buildmail-core/src/compose/encode.rs|buildmail-core|--lib|compose::|buildmail-core buildmail|--tests"
  "workflow|crates/buildmail-action/src/workflow/*.rs|buildmail-action|--lib|workflow::|buildmail-action|--tests"
  "session|crates/buildmail-core/src/session.rs|buildmail-core|--test delivery --test first_minutes||buildmail-core buildmail|--tests"
  "deliver|crates/buildmail-core/src/deliver.rs|buildmail-core|--test delivery --test first_minutes||buildmail-core buildmail|--tests"
  "outbox|crates/buildmail-core/src/outbox/*.rs|buildmail-core|--lib|outbox::|buildmail-core buildmail|--tests"
)

wanted=("$@")
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
# Incremental compilation is what makes a mutant cheap (see above): the profile asks for it,
# and CARGO_INCREMENTAL=0 in the environment would override it. The copy builds into its own
# target directory: cargo names a workspace member's artifacts after its path relative to the
# workspace, the same for the copy and the work tree, so a build of the work tree in the same
# profile would replace the mutated test binary (and a mutant would run unmutated code).
export CARGO_TARGET_DIR="$target/mutants/target" CARGO_INCREMENTAL=1

# The tree as it is now: tracked files and new ones not ignored, the work tree's content.
src="$target/mutants/src"
rm -rf "$src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"

# One cargo-mutants run; exits 2 when a mutant is missed and 3 on a timeout: those go on.
mutants() {
  local status=0
  echo "== cargo mutants $*"
  nice -n 10 cargo mutants "$@" || status=$?
  if [[ $status -ne 0 && $status -ne 2 && $status -ne 3 ]]; then
    echo "== cargo mutants failed (exit $status)" >&2
    exit "$status"
  fi
}

counts() {
  for outcome in caught missed unviable timeout; do
    printf '%s %s: %s\n' "$1" "$outcome" \
      "$(cat "$target/mutants/$1/mutants.out/$outcome.txt" 2>/dev/null | wc -l)"
  done
}

for row in "${modules[@]}"; do
  IFS='|' read -r name files package fast_targets fast_filters wide_packages wide_targets <<<"$row"
  if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then
    continue
  fi
  args=(--in-place --dir "$src" --package "$package" --profile mutants
    --timeout "${TIMEOUT:-120}" --build-timeout 600 --baseline "${BASELINE:-run}")
  for file in $files; do args+=(--file "$file"); done
  read -r -a extra <<<"${MUTANTS_ARGS:-}"
  args+=("${extra[@]}")
  mkdir -p "$target/mutants"

  fast=(--test-workspace=false)
  for arg in $fast_targets; do fast+=("--cargo-arg=$arg"); done
  read -r -a filters <<<"$fast_filters"
  mutants "${args[@]}" --output "$target/mutants/$name" "${fast[@]}" -- -- "${filters[@]}"
  counts "$name"

  # The second pass: only what the first missed, against the wider tests.
  missed="$target/mutants/$name/mutants.out/missed.txt"
  if [[ -s $missed ]]; then
    wide=()
    for test_package in $wide_packages; do wide+=(--test-package "$test_package"); done
    for arg in $wide_targets; do wide+=("--cargo-arg=$arg"); done
    # cargo-mutants names a mutant by file, line, column and replacement; -F with the whole
    # name, escaped, keeps exactly the missed ones.
    examine=()
    while IFS= read -r mutant; do
      examine+=(-F "^$(printf '%s' "$mutant" | sed 's/[][\.*^$(){}+?|]/\\&/g')\$")
    done <"$missed"
    mutants "${args[@]}" --output "$target/mutants/$name-wide" "${wide[@]}" "${examine[@]}"
    counts "$name-wide"
  fi
done
