#!/bin/bash
# bench/lib/cgprofile.sh: where one request's instructions go, from phase D's two
# callgrind runs: each function's cost in the second run minus the first, over the
# requests between them (start-up and shut-down cancel out), inclusive and self.
#
# Usage: cgprofile.sh CG_TSV DIR1 DIR2 [TOP]
#   CG_TSV  phase D's lines "K requests bad Ir" (bench/run writes it), one per run
#   DIR1/2  the callgrind files of those runs (cg.<pid>: the pool's supervisor and
#           its one worker); the functions are the worker's, the busiest file
#   TOP     how many functions each table shows (30)
set -euo pipefail
CG=$1 D1=$2 D2=$3 TOP=${4:-30}

read -r N1 N2 <<<"$(awk '{ printf "%s ", $2 }' "$CG")"
[ "$N2" -gt "$N1" ] || { echo "cgprofile.sh: the second run answered no more requests ($N1, $N2)" >&2; exit 1; }

busiest() {	# busiest DIR: the callgrind file with the most instructions
	local f best="" most=-1 ir
	for f in "$1"/cg.*; do
		ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
		[ "${ir:-0}" -gt "$most" ] && { most=${ir:-0}; best=$f; }
	done
	echo "$best"
}
# costs FILE INCLUSIVE: "Ir<TAB>function" for every function (no threshold)
costs() {
	callgrind_annotate --inclusive="$2" --threshold=100 --auto=no --show-percs=no "$1" 2>/dev/null |
		awk '/^ *[0-9,]+ +[^ ].* \[[^]]*\]$/ && !/PROGRAM TOTALS/ {
			ir = $1; gsub(/,/, "", ir); $1 = ""; sub(/^ +/, "")
			# "dir/file.c:function [/path/lib.so]" -> "function (file.c, lib.so)"
			obj = $NF; gsub(/^\[|\]$/, "", obj); sub(/.*\//, "", obj); $NF = ""; sub(/ +$/, "")
			fn = $0; sub(/.*:/, "", fn); fl = $0; sub(/:[^:]*$/, "", fl); sub(/.*\//, "", fl)
			print ir "\t" fn " (" (fl == "???" ? "" : fl ", ") obj ")" }'
}
F1=$(busiest "$D1") F2=$(busiest "$D2")

awk 'NR == 1 { r1 = $2; i1 = $4 } NR == 2 { r2 = $2; i2 = $4 }
	END { printf "instructions per accepted request: %.0f (every process, %d minus %d requests)\n",
		(i2 - i1) / (r2 - r1), r2, r1 }' "$CG"
for mode in yes no; do
	echo
	[ "$mode" = yes ] && echo "inclusive, per request (the worker):" || echo "self, per request (the worker):"
	# join on the function name: (cost2 - cost1) / (N2 - N1)
	awk -F'\t' -v n="$((N2 - N1))" 'NR == FNR { a[$2] = $1; next }
		{ d = ($1 - a[$2]) / n; if (d >= 1) printf "%10.0f  %s\n", d, $2 }' \
		<(costs "$F1" "$mode") <(costs "$F2" "$mode") | sort -rn | awk -v top="$TOP" 'NR <= top'
done
