#!/usr/bin/env bash
# Runs every test: `dotnet test Leed.sln`, after installing what the browser tests need
# (Debian's Chromium) and the cluster tests (Debian's redis-server) when missing and this machine can install it.
set -euo pipefail
cd "$(dirname "$0")"

if { [ ! -x /usr/bin/chromium ] || ! command -v redis-server >/dev/null 2>&1; } && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Chromium (browser tests) and Redis (cluster tests)..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-roboto redis-server >/dev/null
  else
    echo "Chromium or Redis is missing: run 'sudo apt-get install chromium redis-server' for the browser and cluster tests." >&2
  fi
fi

rm -rf TestResults
status=0
dotnet test Leed.sln --logger "trx" --results-directory TestResults "$@" || status=$?

# A plain summary line computed from the result files.
passed=0; failed=0; skipped=0
for trx in TestResults/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
