#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every man page the build made renders with man --warnings without a single warning. TAP.
# Usage: test-man-render.sh PAGE.roff...
set -u
n=0 fails=0
for page in "$@"; do
        n=$((n + 1))
        out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        if [ $? -eq 0 ] && [ -z "$out" ]; then
                echo "ok $n - man --warnings -l $(basename "$page")"
        else
                fails=$((fails + 1))
                echo "not ok $n - man --warnings -l $(basename "$page")"
                printf '#   %s\n' "$out" | tee /dev/stderr
        fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
