#!/usr/bin/env bash
# The macOS disk image: installers/macos/package.sh APP VERSION OUTDIR
#
# APP is the Hotprevue.app `python -m installers.build` made. With MACOS_SIGN_IDENTITY set
# (a "Developer ID Application: …" identity in a keychain) every program and library in it
# is signed for the hardened runtime; with APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD
# (an app-specific password) as well, the disk image is notarised and the ticket stapled.
# Without them the steps are skipped and say so: a local build still gets its dmg.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 APP VERSION OUTDIR" >&2
    exit 2
fi
app="${1%/}"
version="$2"
outdir="$3"
if [ ! -d "$app/Contents/MacOS" ]; then
    echo "$app is not an app bundle (no Contents/MacOS)" >&2
    exit 1
fi
mkdir -p "$outdir"
dmg="$(cd "$outdir" && pwd)/Hotprevue-$version-macos-$(uname -m).dmg"

sign() {
    codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY" "$@"
}

# Deepest paths first: a folder's seal covers what is inside it, so the inside is signed
# before it.
deepest_first() {
    awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2-
}

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    echo "signing $app as $MACOS_SIGN_IDENTITY"
    # Nuitka puts everything beside the binary in Contents/MacOS: Python's extension
    # modules, PostgreSQL's programs, its extension libraries and their dylibs. Notarisation
    # refuses a bundle with any Mach-O file not signed with a timestamp and the hardened
    # runtime. No entitlements: with every library signed by this same Team ID, library
    # validation lets postgres load its extensions (plpgsql) as it is.
    find "$app/Contents" -type f | deepest_first | while IFS= read -r file; do
        case "$(file -b "$file")" in
            Mach-O*) sign "$file" ;;
        esac
    done
    # Nested bundles (a framework some wheel brings) are sealed after their contents.
    find "$app/Contents" -mindepth 1 -type d \( -name '*.framework' -o -name '*.app' \) \
        | deepest_first | while IFS= read -r bundle; do sign "$bundle"; done
    sign "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
else
    echo "MACOS_SIGN_IDENTITY is not set: not signing; the app keeps the ad-hoc signature" \
        "the build gave it, and Gatekeeper will refuse it on other Macs"
fi

# The window the dmg opens shows the app beside a link to /Applications: drag to install.
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
ditto "$app" "$staging/Hotprevue.app"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname Hotprevue -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
fi

if [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
    if [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
        echo "notarisation needs a signed app: set MACOS_SIGN_IDENTITY too" >&2
        exit 1
    fi
    echo "notarising $dmg (this waits for Apple's answer, usually minutes)"
    credentials=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
    answer="$(xcrun notarytool submit "$dmg" "${credentials[@]}" --wait --output-format json)"
    echo "$answer"
    # submit --wait ends when Apple has decided, whatever it decided: the status says.
    status="$(plutil -extract status raw -o - - <<<"$answer")"
    if [ "$status" != "Accepted" ]; then
        submission="$(plutil -extract id raw -o - - <<<"$answer")"
        xcrun notarytool log "$submission" "${credentials[@]}" || true
        echo "notarisation ended $status" >&2
        exit 1
    fi
    xcrun stapler staple "$dmg"
    xcrun stapler validate "$dmg"
else
    echo "APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD are not all set: not notarising"
fi
echo "made $dmg"
