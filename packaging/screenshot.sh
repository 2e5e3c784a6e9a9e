#!/usr/bin/env bash
# Render the editor with the demo content to resources/screenshot.png (run by `make screenshot`).
# Usage: packaging/screenshot.sh [OUT.png] ; DEMO=path/to/media overrides the demo file.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${1:-resources/screenshot.png}
DEMO=${DEMO:-resources/demo/jfk.flac}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# fresh settings and no recovery prompt; no sound card needed
export XDG_CONFIG_HOME="$tmp/config" CUELINE_RECOVERY_DIR="$tmp/recovery" CUELINE_AUDIO=silent
export HF_HUB_OFFLINE=1
XVFB=(xvfb-run -a -s "-screen 0 1600x1000x24")
probe='from PySide6.QtWidgets import QApplication; QApplication([])'
if command -v xvfb-run >/dev/null 2>&1 && "${XVFB[@]}" "$PY" -c "$probe" >/dev/null 2>&1; then
    "${XVFB[@]}" "$PY" -m app.ui.main --screenshot "$OUT" "$DEMO"
else
    # no Xvfb, or Qt's xcb plugin lacks its libraries (libxcb-cursor0, libxcb-icccm4, ...)
    echo "Xvfb with Qt's xcb plugin is not available: rendering offscreen" >&2
    QT_QPA_PLATFORM=offscreen "$PY" -m app.ui.main --screenshot "$OUT" "$DEMO"
fi
echo "wrote $OUT"
