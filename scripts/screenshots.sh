#!/usr/bin/env bash
# Refreshes the screenshots of the web app in docs/screenshots/ (the root
# README shows them): runs the browser tests of the auth service (TestWebApp
# and TestWebAppPasskeys in services/auth/cmd), which write a full-page PNG
# of each main screen to SCREENSHOT_DIR. Starts PostgreSQL and installs Chromium when needed, as
# scripts/test.sh does. Commit the PNGs that changed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ]; then
	DATABASE_URL='' scripts/postgres.sh >/dev/null
fi
scripts/install-deps.sh chromium

dir="$PWD/docs/screenshots"
mkdir -p "$dir"
rm -f "$dir"/*.png # what the test no longer takes goes
SCREENSHOT_DIR="$dir" go test -count=1 -run '^TestWebApp(Passkeys)?$' ./services/auth/cmd/
ls -l "$dir"
