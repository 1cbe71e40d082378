#!/bin/bash
# bench/lib/pgcount.sh: phase G's PostgreSQL instructions per transaction, as markdown:
# each run's count (its two runs' difference over the transactions between them), its
# ratio to R_rows', where hookgate's backend spends its count, and the floor that the
# contract's own statements put under hookgate's count.
#
# Usage: pgcount.sh [--ratios] PGCG NAME...
#   --ratios  print only "HOOKGATE FLOOR": both counts over R_rows' (report.sh's targets)
#   PGCG      phase G's directory: NAME.tsv ("K done 0 Ir", one line a run) and the runs'
#             callgrind files in NAME-K (bench/run writes them)
#   NAME      r_commit, r_rows, r_ingest, r_path, hookgate, in the order to show
set -euo pipefail
RATIOS=0
[ "${1:-}" = --ratios ] && { RATIOS=1; shift; }
D=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)

per_txn() {	# per_txn NAME: instructions per transaction, from NAME.tsv's two runs
	awk 'NR == 1 { n1 = $2; i1 = $4 } NR == 2 { n2 = $2; i2 = $4 }
		END { if (n2 > n1) printf "%.0f", (i2 - i1) / (n2 - n1); else print 0 }' "$D/$1.tsv"
}
label() {
	case $1 in
	r_commit) echo "R_commit: a one-row commit" ;;
	r_rows) echo "R_rows: the rows of an accepted webhook, one INSERT ... CTE" ;;
	r_ingest) echo "R_ingest: the accepted path's insert (and a SELECT of its ids), from pgbench" ;;
	r_path) echo "R_path: the token lookup, the insert, the NOTIFY, from pgbench" ;;
	hookgate) echo "hookgate: an accepted 1 KiB webhook through the pool" ;;
	*) echo "$1" ;;
	esac
}

declare -A IR
for n in "$@"; do IR[$n]=$(per_txn "$n"); done
ROWS=${IR[r_rows]:-0}
ratio() { awk -v a="$1" -v b="$ROWS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
read -r K1 K2 <<<"$(awk '{ printf "%s ", $1 }' "$D/$1.tsv")"

# where hookgate's backend spends them: inclusive counts per webhook (cgprofile.sh's table)
PARTS="jsonb_in:the payload parsed into jsonb
ExecCheckIndexConstraints:ON CONFLICT's check of the dedupe index
RI_FKey_check_ins:foreign key checks
ExecConstraints:CHECK constraints
ExecInsertIndexTuples:index entries"
PROFILE=""
[ -n "${IR[hookgate]:-}" ] && PROFILE=$("$HERE/cgprofile.sh" "$D/hookgate.tsv" "$D/hookgate-$K1" "$D/hookgate-$K2" 100000 |
	sed -n '/^inclusive/,/^$/p')
part() { awk -v fn="$1" '$2 == fn && $3 ~ /^\(/ { print $1; exit }' <<<"$PROFILE"; }
# The floor: R_rows plus what the contract asks of any ingress besides the rows: the token
# lookup and the NOTIFY, each a transaction of its own (R_path minus R_ingest), the
# payload parsed into jsonb, and the dedupe index's arbitration (ON CONFLICT).
FLOOR=""
if [ -n "$PROFILE" ] && [ -n "${IR[r_path]:-}" ] && [ -n "${IR[r_ingest]:-}" ]; then
	JSONB=$(part jsonb_in) ARB=$(part ExecCheckIndexConstraints)
	FLOOR=$((ROWS + IR[r_path] - IR[r_ingest] + ${JSONB:-0} + ${ARB:-0}))
fi
if [ "$RATIOS" = 1 ]; then
	echo "$(ratio "${IR[hookgate]:-0}") $([ -n "$FLOOR" ] && ratio "$FLOOR" || echo -)"
	exit 0
fi

echo "### PostgreSQL instructions per transaction (phase G: callgrind on the backends, one client, $K2 minus $K1 transactions)"
echo
echo "| transaction | instructions | / R_rows |"
echo "|---|---:|---:|"
for n in "$@"; do
	echo "| $(label "$n") | ${IR[$n]} | $(ratio "${IR[$n]}") |"
done
[ -n "$PROFILE" ] || exit 0
echo
echo "Where hookgate's backend spends them (inclusive, per webhook; parts overlap):"
echo
while IFS=: read -r fn what; do
	echo "- $what (\`$fn\`): $(part "$fn")"
done <<<"$PARTS"
if [ -n "$FLOOR" ]; then
	echo
	echo "The contract's floor: R_rows, plus the token lookup and the NOTIFY's transactions" \
		"(R_path minus R_ingest: $((IR[r_path] - IR[r_ingest]))), the payload's jsonb parse and ON CONFLICT's" \
		"check: **$FLOOR** instructions, $(ratio "$FLOOR") x R_rows."
fi
