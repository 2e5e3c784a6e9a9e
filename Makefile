# Cueline: two commands do all the set-up.
#   make run   create .venv, install everything, open the editor on the demo media
#   make test  the same set-up, then the whole suite headless (ruff, import contracts, mypy,
#              pytest)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   ?= resources/demo/jfk.flac
# torch is pinned and installed first: this build is the CPU wheel; an unpinned torch
# pulled in by a dependency would fetch a multi-GB CUDA build.
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: run test setup lint bench screenshot clean sysdeps-run sysdeps-test

# Debian/Ubuntu packages (sound, video preview, Qt's X11 plugin; for tests also espeak-ng, sox,
# Xvfb, ImageMagick, xdotool), installed when missing: see packaging/system-deps.sh
sysdeps-run:
	@bash packaging/system-deps.sh run

sysdeps-test:
	@bash packaging/system-deps.sh test

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[qwen,test]" "$(TORCH)"
	# speaker detection reads only the encoder weights inside resemblyzer's wheel: no deps,
	# so no C compiler is needed for webrtcvad
	$(PY) -m pip install --quiet --no-deps "resemblyzer==0.1.4"
	touch $(STAMP)

run: sysdeps-run $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m app $(DEMO)

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests packaging
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# CUELINE_STRICT_TOOLS: a test needing a system tool fails when it is missing instead of skipping
test: sysdeps-test lint
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 CUELINE_STRICT_TOOLS=1 $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	for b in packaging/bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshot: $(STAMP)
	bash packaging/screenshot.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist

# make dist: the application for people without Python (PyInstaller, packaging/cueline.spec):
# dist/cueline/ (run dist/cueline/cueline) and dist/cueline_VERSION_ARCH.deb, then the smoke
# test (packaging/smoke-test.sh).  Whisper only: torch and Qwen3-ASR are left out.
# make dist QWEN=1: the larger build that includes them (several GB).
QWEN ?=
.PHONY: dist
dist: $(STAMP)
	@bash packaging/system-deps.sh dist
	$(PY) -m pip install --quiet -e ".[dist]"
	PY=$(PY) QWEN=$(QWEN) bash packaging/build-dist.sh
