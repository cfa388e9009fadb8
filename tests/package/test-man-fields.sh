#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobs.d(5) stays true to the loader: every field name of generator/manifest-load.c's field tables
# (implemented, accepted with a warning, refused, set by the API server) appears in the page's source,
# docs/man/jobs.d.5.scd, in bold (*name*), as the page lists fields. TAP. Usage: test-man-fields.sh SOURCE_DIR
set -u
src=${1:?source directory}
load=$src/generator/manifest-load.c
page=$src/docs/man/jobs.d.5.scd
# Entries of the tables: { "name", parser, … } and the IGNORED/IGNORED_WHY/UNSUPPORTED/SILENT("name") macros.
fields=$( { grep -o '{ "[A-Za-z0-9]*",' "$load" | sed 's/{ "\(.*\)",/\1/'
            grep -oE '\b(IGNORED|IGNORED_WHY|UNSUPPORTED|SILENT)\("[A-Za-z0-9]*"' "$load" | sed 's/.*("\(.*\)"/\1/'
          } | sort -u)
n=0 fails=0
count=$(wc -l <<<"$fields")
if [ "$count" -lt 100 ]; then
        echo "not ok 1 - only $count field names found in $load: the extraction no longer matches the tables"
        echo "1..1"; exit 1
fi
for f in $fields; do
        n=$((n + 1))
        if grep -qF "*$f*" "$page"; then
                echo "ok $n - $f"
        else
                fails=$((fails + 1))
                echo "not ok $n - field $f of $load is not in jobs.d(5) ($page) as *$f*"
        fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
