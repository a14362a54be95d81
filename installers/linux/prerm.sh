#!/bin/sh
# Before the files go (removal or upgrade): ask every running Hotprevue of every user,
# and any PostgreSQL of its, to end. SIGTERM stops a daemon cleanly (its PostgreSQL
# first) and quits a tray; a daemon left running would spawn its workers from a binary
# that is no longer there.
set -u

running() {
    for exe in /proc/[0-9]*/exe; do
        case "$(readlink "$exe" 2>/dev/null)" in
        /opt/hotprevue/*)
            pid=${exe#/proc/}
            echo "${pid%/exe}"
            ;;
        esac
    done
}

pids=$(running)
[ -n "$pids" ] || exit 0
# shellcheck disable=SC2086 # one pid per word
kill -TERM $pids 2>/dev/null || true
# A daemon takes a few seconds to stop its PostgreSQL; registration in progress resumes
# at the next start.
for _ in $(seq 1 30); do
    [ -n "$(running)" ] || exit 0
    sleep 1
done
echo "hotprevue: some processes did not stop in 30 s; killing them" >&2
# shellcheck disable=SC2046
kill -KILL $(running) 2>/dev/null || true
exit 0
