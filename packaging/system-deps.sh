#!/usr/bin/env bash
# The Debian/Ubuntu packages Cueline needs, installed when missing.  Used by `make run`,
# `make test`, `make dist` and `.ci/run`, so that the README's two commands do all the set-up.
#
#   packaging/system-deps.sh run    what the editor needs: sound (PortAudio), video preview
#                                   (QtMultimedia links libpulse), Qt's X11 (xcb) platform
#   packaging/system-deps.sh test   the above, plus the tools the tests drive: espeak-ng and sox
#                                   (speech with known words and timing), Xvfb, ImageMagick,
#                                   xdotool (a real screen, screenshots, input)
#   packaging/system-deps.sh dist   the above for `run`, plus what PyInstaller, the .deb and its
#                                   smoke test need
#   packaging/system-deps.sh --list SET   print the package names and exit
#
# As root it runs apt-get; otherwise `sudo -n` when sudo needs no password; otherwise it stops
# with the exact command to run (exit 1).  On a system without dpkg/apt it names the packages
# (by their Debian names) and exits 0: everything but sound and video preview works without them.
set -euo pipefail

RUN_PKGS=(
  libportaudio2            # sounddevice: playback (without it: a silent clock)
  libpulse0                # PySide6.QtMultimedia: video preview
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxkbcommon-x11-0
)
TEST_PKGS=(
  espeak-ng                # synthesised speech with known text
  sox libsox-fmt-all       # measuring and mixing it
  xvfb xauth               # a real X screen for GUI checks
  imagemagick              # screenshots (import -window root)
  xdotool                  # driving the editor like a user
  make
)
DIST_PKGS=(
  binutils                 # PyInstaller and packaging/check-bundle.sh read libraries with objdump
  desktop-file-utils       # desktop-file-validate on the .deb's desktop entry
  xvfb xauth               # packaging/smoke-test.sh also starts the built editor on a real X screen
)

set_name=${1:-run}
list_only=0
if [ "$set_name" = "--list" ]; then list_only=1; set_name=${2:-run}; fi
case "$set_name" in
  run)  want=("${RUN_PKGS[@]}") ;;
  test) want=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  dist) want=("${RUN_PKGS[@]}" "${DIST_PKGS[@]}") ;;
  *) echo "usage: $0 [--list] run|test|dist" >&2; exit 2 ;;
esac
if [ $list_only = 1 ]; then printf '%s\n' "${want[@]}"; exit 0; fi

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; install the equivalents of: ${want[*]}" >&2
  echo "system-deps: without them Cueline runs, but plays no sound and shows no video preview" >&2
  exit 0
fi

missing=()
for p in "${want[@]}"; do
  # installed = "install ok installed"; a removed package leaves "deinstall ok config-files"
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
  echo "system-deps: these Debian packages are missing and I cannot install them without root:" >&2
  echo "" >&2
  echo "    sudo apt-get update && sudo ${cmd[*]}" >&2
  echo "" >&2
  echo "Run that, then run make again." >&2
  exit 1
fi
# update only when a package is not known to apt yet (a fresh image has empty lists)
if ! "${sudo[@]}" apt-get install -y --no-install-recommends -qq "${missing[@]}" >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" "${cmd[@]}" -qq >/dev/null
fi
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    echo "system-deps: $p did not install; run: sudo ${cmd[*]}" >&2
    exit 1
  fi
done
echo "system-deps: done"
