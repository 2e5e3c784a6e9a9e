#!/usr/bin/env bash
# `make dist`: build the self-contained application and its .deb, then smoke-test the build.
#
#   PY=.venv/bin/python packaging/build-dist.sh          Whisper only (~0.9 GB)
#   PY=.venv/bin/python QWEN=1 packaging/build-dist.sh   also torch + Qwen3-ASR (several GB)
#
# Steps (each timed): PyInstaller with packaging/cueline.spec into dist/cueline/ (work files in
# build/pyinstaller/), packaging/check-bundle.sh, packaging/make-deb.sh (dist/cueline_*.deb,
# skipped with a note where dpkg-deb is missing), packaging/smoke-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
QWEN=${QWEN:-}

t_start=$(date +%s)
stamp() { echo "== $1 ($(( $(date +%s) - t_start )) s since start)"; }

# The obsolete `typing` backport (a dependency of some speaker-embedding packages) is shadowed by
# Python's own typing module and never imported, but PyInstaller refuses to run while it is
# installed.  Remove it from this virtualenv, saying so.
if "$PY" -c "import importlib.metadata as m; m.distribution('typing')" 2>/dev/null; then
  echo "build-dist: removing the obsolete 'typing' backport from $("$PY" -c 'import sys; print(sys.prefix)') (PyInstaller refuses to run with it; Python's own typing is what every import gets)"
  "$PY" -m pip uninstall -y -q typing
fi

spec_args=()
check_args=()
if [ "$QWEN" = 1 ]; then
  "$PY" -c "import torch, qwen_asr" 2>/dev/null ||
    { echo "build-dist: QWEN=1 needs torch and qwen-asr in $PY's environment (pip install -e '.[qwen]')" >&2; exit 1; }
  export CUELINE_DIST_QWEN=1
  check_args=(--qwen)
  echo "build-dist: the larger build, with torch and Qwen3-ASR"
else
  export CUELINE_DIST_QWEN=0
fi

stamp "PyInstaller"
rm -rf dist/cueline build/pyinstaller
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist \
  --workpath build/pyinstaller "${spec_args[@]}" packaging/cueline.spec

stamp "check the bundle"
bash packaging/check-bundle.sh dist/cueline "${check_args[@]}"

stamp "package"
rm -f dist/cueline_*.deb
if command -v dpkg-deb >/dev/null 2>&1; then
  bash packaging/make-deb.sh dist/cueline dist
else
  echo "build-dist: dpkg-deb is missing: no .deb (dist/cueline/ is the application)"
fi

stamp "smoke test"
bash packaging/smoke-test.sh dist/cueline

stamp "done"
echo "application: dist/cueline/cueline ($(du -sh dist/cueline | cut -f1))"
for deb in dist/cueline_*.deb; do
  [ -e "$deb" ] && echo "package:     $deb ($(du -h "$deb" | cut -f1)): sudo apt install ./$deb"
done
