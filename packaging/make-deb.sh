#!/usr/bin/env bash
# Package a PyInstaller build of Cueline as a Debian package (run by packaging/build-dist.sh):
#
#   packaging/make-deb.sh [DIST_DIR] [OUT_DIR]       (defaults: dist/cueline, dist)
#
# writes OUT_DIR/cueline_VERSION_ARCH.deb (VERSION from pyproject.toml, plus "+qwen" for the
# larger build) which installs
#   /opt/cueline/                       the build (cueline and its _internal/ folder)
#   /usr/bin/cueline                    a symbolic link to /opt/cueline/cueline
#   /usr/share/applications/cueline.desktop, /usr/share/icons/hicolor/*/apps/cueline.{png,svg}
#   /usr/share/doc/cueline/copyright
# Why a .deb and not an AppImage: it is built offline with dpkg-deb alone (appimagetool and the
# AppImage runtime are downloads from GitHub), apt installs the few system libraries it needs
# (Depends), the menu entry and icon are installed and removed with it, and `apt remove`
# uninstalls it.  Debian 12+ and Ubuntu 23.04+ (the build's glibc; see README).
# No maintainer scripts: dpkg's triggers refresh the menu and icon caches.
set -euo pipefail
trap 'echo "make-deb: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
DIST=${1:-dist/cueline}
OUT=${2:-dist}
[ -x "$DIST/cueline" ] || { echo "make-deb: no build in $DIST (run make dist)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "make-deb: dpkg-deb is missing (a Debian/Ubuntu system builds the .deb)" >&2; exit 1; }

VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -1)
[ -d "$DIST/_internal/torch" ] && VERSION="$VERSION+qwen"
ARCH=$(dpkg --print-architecture)
# the project publishes no contact address yet: set DEB_MAINTAINER="Name <email>" for a release
MAINTAINER=${DEB_MAINTAINER:-"Cueline developers <cueline@localhost>"}
STAGE=build/deb/cueline
DEB="$OUT/cueline_${VERSION}_${ARCH}.deb"

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/doc/cueline" "$STAGE/usr/share/icons/hicolor/scalable/apps"
# hard links when the stage is on the same file system (no second GB on disk), else a copy
cp -al "$DIST" "$STAGE/opt/cueline" 2>/dev/null || { rm -rf "$STAGE/opt/cueline"; cp -a "$DIST" "$STAGE/opt/cueline"; }
ln -s /opt/cueline/cueline "$STAGE/usr/bin/cueline"
cp packaging/cueline.desktop "$STAGE/usr/share/applications/cueline.desktop"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$STAGE/usr/share/applications/cueline.desktop"
fi
for png in resources/icons/cueline-*.png; do
  size=$(basename "$png" .png); size=${size#cueline-}
  mkdir -p "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/cueline.png"
done
cp resources/icons/cueline.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/cueline.svg"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: cueline"
  echo "Comment: /opt/cueline/_internal holds third-party libraries under their own licences"
  echo "  (Qt/PySide6: LGPLv3; FFmpeg: LGPL/GPL; CTranslate2, faster-whisper: MIT; onnxruntime:"
  echo "  MIT; Whisper models: MIT); see their folders there."
  echo ""
  echo "Files: *"
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' LICENSE
} > "$STAGE/usr/share/doc/cueline/copyright"
chmod -R u=rwX,go=rX "$STAGE/usr" "$STAGE/DEBIAN"

# The oldest glibc the build accepts: the newest GLIBC_x.y symbol version any binary uses.
# (objdump fails on the scripts among the executables: only its output counts)
GLIBC=$( { find "$DIST" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
             xargs -0 objdump -T 2>/dev/null || true; } |
         grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$GLIBC" ] || { echo "make-deb: cannot tell which glibc the build needs (objdump)" >&2; exit 1; }
# packages/system-deps.sh's run set (sound, video, Qt's X11 plugin), plus what PyInstaller never
# bundles: libc, OpenGL/EGL, libxcb, libdrm (checked by packaging/check-bundle.sh)
mapfile -t RUN_PKGS < <(bash packaging/system-deps.sh --list run)
DEPENDS="libc6 (>= $GLIBC)"
for p in libgl1 libegl1 libxcb1 libdrm2 "${RUN_PKGS[@]}"; do
  [[ ", $DEPENDS, " == *", $p, "* ]] || DEPENDS="$DEPENDS, $p"
done
SIZE_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)

cat > "$STAGE/DEBIAN/control" <<EOF
Package: cueline
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $SIZE_KB
Depends: $DEPENDS
Recommends: libwayland-client0, libwayland-cursor0, libwayland-egl1
Section: video
Priority: optional
Description: subtitle editor with offline speech recognition
 Cueline opens an audio or video file, transcribes it offline with Whisper
 (faster-whisper, models bundled) and shows the result as segments on a
 waveform and in a table, every word with a forced-aligned time.  Fix a word
 and that stretch is re-timed; drag timings on the waveform; export SRT,
 WebVTT, ASS, a readable transcript or JSON.  Includes the cueline command
 (transcribe, align, convert, info).
EOF

mkdir -p "$OUT"
rm -f "$DEB"
# zstd: every dpkg that can run this build reads it (Debian 12's 1.21.22, Ubuntu's since 21.10),
# and it compresses the ~0.9 GB in about a minute where xz -6 takes over 20 (measured here, two
# busy cores); level 9 makes it ~440 MB (the models barely compress).
dpkg-deb --root-owner-group -Zzstd -z9 --build "$STAGE" "$DEB" >/dev/null
echo "make-deb: wrote $DEB ($(du -h "$DEB" | cut -f1); installed $(( SIZE_KB / 1024 )) MiB)"
echo "make-deb: Depends: $DEPENDS"
