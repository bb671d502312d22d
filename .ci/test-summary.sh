#!/usr/bin/env bash
# Sums the Surefire XML reports of every module: one line per module, then the totals.
# Exits non-zero if any test failed or errored, or if no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."

total_run=0; total_fail=0; total_err=0; total_skip=0
for dir in */target/surefire-reports; do
  [ -d "$dir" ] || continue
  run=0; fail=0; err=0; skip=0
  for xml in "$dir"/TEST-*.xml; do
    [ -f "$xml" ] || continue
    line=$(grep -m1 -o '<testsuite [^>]*>' "$xml")
    attr() { printf '%s' "$line" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
    run=$(( run + $(attr tests) )); fail=$(( fail + $(attr failures) ))
    err=$(( err + $(attr errors) )); skip=$(( skip + $(attr skipped) ))
  done
  printf '%-14s Tests run: %d, Failures: %d, Errors: %d, Skipped: %d\n' "${dir%%/*}" "$run" "$fail" "$err" "$skip"
  total_run=$(( total_run + run )); total_fail=$(( total_fail + fail ))
  total_err=$(( total_err + err )); total_skip=$(( total_skip + skip ))
done
echo "Tests run: $total_run, Failures: $total_fail, Errors: $total_err, Skipped: $total_skip"
passed=$(( total_run - total_fail - total_err - total_skip ))
echo "tests: $passed passed, $(( total_fail + total_err )) failed, $total_skip skipped"
[ "$total_run" -gt 0 ] && [ "$total_fail" -eq 0 ] && [ "$total_err" -eq 0 ]
