#!/usr/bin/env bash
# Build Curator's one-folder bundle: dist/curator/ (run from anywhere; paths are relative to the repo).
#
#   packaging/build.sh                 # uses .venv/bin/python if present, else python3
#   PYTHON=/path/to/python packaging/build.sh
#   packaging/build.sh --distpath /tmp/dist --workpath /tmp/build    # extra args go to PyInstaller
#
# Prints the bundle's size and a smoke test (`curator --version`) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

DIST=dist
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--distpath" ]; then j=$((i + 1)); DIST="${!j}"; fi
done

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN packaging/curator.spec "$@"
end=$(date +%s)

app="$DIST/curator"
exe="$app/curator"
[ -x "$exe" ] || exe="$app/curator.exe"
echo "built $app in $((end - start)) s"
echo "bundle size: $(du -sh "$app" | cut -f1) ($(du -sb "$app" | cut -f1) bytes)"
"$exe" --version
