#!/usr/bin/env bash
# Measures the import's speed the way a user meets it: builds the binary,
# generates ROWS synthetic interactions with it, and imports them into a
# new, empty database RUNS times, printing each run's own summary and then
# the best and the median rows per second.
#
#   bench/import.sh                                  # 1,000,000 rows, 3 runs
#   ROWS=200000 RUNS=5 bench/import.sh
#   IMPORT_FLAGS="--no-bulk-load --batch-size 50000" bench/import.sh
#
# The figures depend on what else the machine runs: the load average is
# printed before each run.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${ROWS:-1000000}
accounts=${ACCOUNTS:-$((rows / 100 > 0 ? rows / 100 : 1))}
runs=${RUNS:-3}
read -r -a flags <<<"${IMPORT_FLAGS:-}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/interactions" .
"$work/interactions" generate -n "$rows" --accounts "$accounts" --seed 1 -o "$work/in.jsonl"
echo "generated $rows rows over $accounts accounts: $(du -h "$work/in.jsonl" | cut -f1)"

rates=()
for run in $(seq "$runs"); do
	rm -f "$work"/bench.db*
	echo "run $run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	line=$("$work/interactions" import --db "$work/bench.db" "${flags[@]}" "$work/in.jsonl")
	echo "  $line"
	rates+=("$(sed -E 's/.*\(([0-9]+) rows\/s\).*/\1/' <<<"$line")")
done

sorted=$(printf '%s\n' "${rates[@]}" | sort -n)
echo "best $(tail -n1 <<<"$sorted") rows/s, median $(sed -n "$(((runs + 1) / 2))p" <<<"$sorted") rows/s over $runs runs"
