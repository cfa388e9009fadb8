#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The bash completion of jobctl (shell-completion/bash/jobctl), sourced into this shell: verbs, a verb's
# flags and values, and Job and CronJob names, which it asks `jobctl get jobs|cronjobs`: here a stand-in
# jobctl that prints the tables jobsd's jobctl prints (and records its arguments, to check --user is
# passed on). TAP. Usage: test-completion.sh SOURCE_DIR
set -u
src=${1:?source directory}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/jobctl" <<'SH'
#!/bin/sh
echo "$*" >> "$(dirname "$0")/calls"
case "$*" in
*"get jobs"*) printf 'NAME   STATUS     COMPLETIONS   DURATION   AGE\npi     Complete   1/1           5s         1m\npi-2   Running    0/1           3s         3s\n' ;;
*"get cronjobs"*) printf 'NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\nhello   */1 * * * *   <none>     False     0        <none>          1m\n' ;;
esac
SH
chmod +x "$tmp/jobctl"
. "$src/shell-completion/bash/jobctl"
n=0 fails=0
# complete WORD... : the completions of the last word (COMPREPLY, sorted, one line).
complete_words() {
        COMP_WORDS=("$tmp/jobctl" "$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMPREPLY=()
        _jobctl
        printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # WANT WORD...
        local want=$1 got
        shift
        got=$(complete_words "$@")
        n=$((n + 1))
        if [ "$got" = "$want" ]; then
                echo "ok $n - jobctl $* -> $want"
        else
                fails=$((fails + 1))
                echo "not ok $n - jobctl $*: got '$got', want '$want'"
        fi
}
expect "apply create delete describe get logs render rerun resume suspend trigger validate wait" ""
expect "delete describe" "de"
expect "render rerun resume" "re"
expect "job jobs" "get" "jo"
expect "pi pi-2" "get" "jobs" ""
expect "pi-2" "describe" "job" "pi-"
expect "hello" "describe" "cronjob" ""
expect "job/pi job/pi-2" "wait" ""
expect "pi pi-2" "--user" "logs" ""
expect "cronjob/hello" "create" "job" "x" "--from="
expect "json name wide yaml" "get" "jobs" "-o" ""
expect "background foreground orphan" "delete" "job" "pi" "--cascade="
expect "--system" "--s"
expect "--user" "describe" "--u"
expect "--index" "logs" "pi" "--i"
n=$((n + 1))
if grep -qx -- "--user get jobs" "$tmp/calls"; then
        echo "ok $n - --user on the command line asks the user's jobsd"
else
        fails=$((fails + 1)); echo "not ok $n - --user was not passed on: $(tr '\n' ';' < "$tmp/calls")"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
