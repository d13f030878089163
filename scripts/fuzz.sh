#!/usr/bin/env bash
# Runs the fuzz targets of the repository (func FuzzXxx, found with
# go test -list, so a new target needs no change here), one after the
# other, each for DURATION:
#
#   scripts/fuzz.sh [DURATION] [PATTERN]
#
# DURATION is a -fuzztime: 1m by default, 3s in CI, or a number of inputs
# such as 10000x. PATTERN is an extended regexp matched against
# <import path>.<target> (every target by default), e.g. 'FuzzHTTPRequest'
# or 'internal/keyring'.
#
# A target that finds a failing input fails the run, after the others have
# run. go test writes that input under the package's
# testdata/fuzz/<target>/; fix the bug and commit the file: from then on
# go test replays it as a regression seed on every run. Inputs that only
# widen coverage stay in go's cache (go clean -fuzzcache removes them).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-1m}
pattern=${2:-.}

# go test -list prints the targets of a package before its "ok" line; its
# answers are cached until the package changes.
if ! listing=$(go test -list '^Fuzz' ./... 2>&1); then
	echo "$listing" >&2
	echo "FAIL: go test -list could not list the fuzz targets" >&2
	exit 1
fi
targets=() names=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) names+=("$line") ;;
	ok*)
		pkg=$(awk '{print $2}' <<<"$line")
		for name in "${names[@]}"; do
			if grep -Eq -- "$pattern" <<<"$pkg.$name"; then
				targets+=("$pkg $name")
			fi
		done
		names=()
		;;
	esac
done <<<"$listing"
if [ ${#targets[@]} -eq 0 ]; then
	echo "FAIL: no fuzz target matches '$pattern'" >&2
	exit 1
fi

# New failing inputs are the files under testdata/fuzz newer than this.
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT

echo "fuzzing ${#targets[@]} targets for $duration each"
failed=()
for target in "${targets[@]}"; do
	pkg=${target% *} name=${target#* }
	printf '\n== %s (%s)\n' "$name" "$pkg"
	if ! go test -run "^$name\$" -fuzz "^$name\$" -fuzztime "$duration" "$pkg"; then
		failed+=("$target")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	{
		printf '\nFAIL: %d fuzz target(s) failed:\n' ${#failed[@]}
		for target in "${failed[@]}"; do
			pkg=${target% *} name=${target#* }
			printf '  %s (%s)\n' "$name" "$pkg"
			dir=$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name
			found=$(find "$dir" -type f -newer "$marker" 2>/dev/null || true)
			if [ -z "$found" ]; then
				echo "    no input written: see the output above"
			fi
			while IFS= read -r file; do
				[ -n "$file" ] || continue
				printf '    failing input: %s\n' "${file#"$PWD"/}"
				printf '    reproduce:     go test -run %s/%s %s\n' "$name" "$(basename "$file")" "$pkg"
			done <<<"$found"
		done
		echo "Fix the bug, then commit each failing input: it stays in testdata/fuzz as a"
		echo "regression seed that go test replays on every run."
	} >&2
	exit 1
fi
printf '\nPASS: %d fuzz targets, %s each\n' ${#targets[@]} "$duration"
