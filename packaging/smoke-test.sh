#!/usr/bin/env bash
# Smoke test of the built application, as a user without Python would run it:
#
#   packaging/smoke-test.sh [DIST_DIR | EXECUTABLE]     (default: dist/cueline)
#
# e.g. packaging/smoke-test.sh /opt/cueline, or /usr/bin/cueline once the .deb is installed.
# Every command runs in a clean environment: `env -i` with an empty HOME, PATH=/usr/bin:/bin,
# no PYTHONPATH, no virtualenv, HF_HUB_OFFLINE=1 (no model download can happen).  It
#   1. transcribes the bundled demo (resources/demo/jfk.flac, copied out of the build) with the
#      default model (Whisper base) and with tiny.en, and checks the words;
#   2. runs every subcommand: info, convert (also to .docx), align, realign (the demo's
#      transcript with a word corrected), shots and check (on a test video made with
#      the bundled ffmpeg, and typos), translate (an unreachable server; and a real round trip
#      through tests/fake_chat_server.py when python3 and the repository are there), speakers
#      and transcribe --engine qwen (which must each say in one line that this build lacks
#      them, unless it is the larger build with PyTorch, where they run);
#   3. checks that bad input gets one line on stderr and exit status 2, not a traceback;
#   4. opens the editor on the demo headless (QT_QPA_PLATFORM=offscreen), lets it load the media
#      and draw its window, saves that picture (--screenshot) and checks it exits with status 0;
#      then on the test video (video preview), and on a real X server with Qt's xcb plugin when
#      xvfb-run is installed;
# and prints the time each step took.  Exit status 0 when every check passed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

TARGET=${1:-dist/cueline}
if [ -d "$TARGET" ]; then EXE="$TARGET/cueline"; else EXE="$TARGET"; fi
if [ ! -x "$EXE" ]; then
  echo "smoke-test: no built program at $EXE (run make dist)" >&2
  exit 1
fi
# run it by the path given (/usr/bin/cueline is a link); find its files where the link points
EXE=$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")
ROOT=$(dirname "$(readlink -f "$EXE")")
RES="$ROOT/_internal/resources"
[ -f "$RES/demo/jfk.flac" ] || { echo "smoke-test: $RES/demo/jfk.flac is missing" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
cp "$RES/demo/jfk.flac" "$WORK/"
cd "$WORK"

CLEAN_ENV=(env -i "HOME=$WORK/home" PATH=/usr/bin:/bin LANG=C.UTF-8 HF_HUB_OFFLINE=1)
EXPECTED="and so my fellow americans ask not what your country can do for you ask what you can do for your country"
checks=0
failed=0
START_NS=$(date +%s%N)

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
secs() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); }

# step NAME -- COMMAND...: run it in the clean environment, output to $WORK/NAME.{out,err}
step() {
  local name=$1; shift; shift
  local t0 rc=0
  t0=$(date +%s%N)
  "${CLEAN_ENV[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  LAST_MS=$(ms_since "$t0")
  LAST_RC=$rc
}

report() {  # report OK|FAIL NAME DETAIL
  checks=$((checks + 1))
  printf '%-4s %7s s  %-22s %s\n' "$1" "$(secs "$LAST_MS")" "$2" "$3"
  if [ "$1" != ok ]; then
    failed=$((failed + 1))
    sed 's/^/       | /' "$WORK/$2.err" | tail -15
  fi
}

words() {  # the words of a subtitle file, lower case, without timings, numbers or tags
  grep -v -e '-->' -e '^[0-9]*$' -e '^WEBVTT' "$1" | tr 'A-Z' 'a-z' | tr -c "a-z'\n" ' ' |
    tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//'
}

no_traceback() { ! grep -q 'Traceback (most recent call last)' "$WORK/$1.err"; }

echo "smoke test of $EXE"
echo "clean environment: ${CLEAN_ENV[*]}"

step version -- "$EXE" --version
if [ "$LAST_RC" = 0 ] && grep -q '^cueline ' "$WORK/version.out"; then
  report ok version "$(cat "$WORK/version.out")"
else report FAIL version "exit $LAST_RC"; fi

step transcribe -- "$EXE" transcribe jfk.flac -o jfk.srt
got=$( [ -f jfk.srt ] && words jfk.srt || true )
if [ "$LAST_RC" = 0 ] && [ "$got" = "$EXPECTED" ]; then
  report ok transcribe "Whisper base, offline, first run (reassembles the model): text matches"
else report FAIL transcribe "exit $LAST_RC, text: '$got'"; fi

step transcribe2 -- "$EXE" transcribe jfk.flac -o again.srt
if [ "$LAST_RC" = 0 ] && cmp -s jfk.srt again.srt; then
  report ok transcribe2 "Whisper base again (model cached): same subtitles"
else report FAIL transcribe2 "exit $LAST_RC or different output"; fi

step tiny -- "$EXE" transcribe jfk.flac --model tiny.en -o jfk.vtt
got=$( [ -f jfk.vtt ] && words jfk.vtt || true )
if [ "$LAST_RC" = 0 ] && head -1 jfk.vtt | grep -q WEBVTT && [ "$got" = "$EXPECTED" ]; then
  report ok tiny "Whisper tiny.en to WebVTT: text matches"
else report FAIL tiny "exit $LAST_RC, text: '$got'"; fi

step info -- "$EXE" info jfk.flac --json
if [ "$LAST_RC" = 0 ] && grep -q '"duration_ms": 11000' "$WORK/info.out" \
    && grep -q '"speech_regions": [1-9]' "$WORK/info.out"; then
  report ok info "11.0 s, $(grep -o '"speech_regions": [0-9]*' "$WORK/info.out") (Silero VAD)"
else report FAIL info "exit $LAST_RC: $(tr -d '\n' < "$WORK/info.out" | head -c 200)"; fi

step convert -- "$EXE" convert jfk.srt jfk.ass --profile netflix-en
if [ "$LAST_RC" = 0 ] && grep -q '^\[Script Info\]' jfk.ass && grep -q '^Dialogue:.*fellow Americans' jfk.ass; then
  report ok convert "SRT to ASS under netflix-en: $(grep -c '^Dialogue:' jfk.ass) cues"
else report FAIL convert "exit $LAST_RC"; fi

printf 'And so my fellow Americans,\nask not what your country can do for you,\nask what you can do for your country.\n' > script.txt
step align -- "$EXE" align jfk.flac script.txt -o aligned.srt
if [ "$LAST_RC" = 0 ] && [ "$(grep -c -- '-->' aligned.srt 2>/dev/null)" = 3 ] \
    && [ "$(words aligned.srt)" = "$EXPECTED" ]; then
  report ok align "script of 3 lines aligned: 3 timed cues"
else report FAIL align "exit $LAST_RC"; fi

step qwen -- "$EXE" transcribe jfk.flac --engine qwen -o qwen.srt
if [ -d "$ROOT/_internal/torch" ]; then
  # the larger build: the engine is there, the model is not (offline)
  if [ "$LAST_RC" = 2 ] && grep -q "cannot download model" "$WORK/qwen.err" && no_traceback qwen; then
    report ok qwen "Qwen3-ASR build, offline: '$(head -1 "$WORK/qwen.err")'"
  else report FAIL qwen "exit $LAST_RC"; fi
elif [ "$LAST_RC" = 2 ] && [ "$(wc -l < "$WORK/qwen.err")" = 1 ] \
    && grep -q "does not include the Qwen3-ASR engine" "$WORK/qwen.err"; then
  report ok qwen "no Qwen3-ASR in this build, one line, exit 2"
else report FAIL qwen "exit $LAST_RC"; fi

# the demo's word-timed transcript with one segment's text corrected: its words are re-timed
sed 's/"text": "ask not",/"text": "ask not now",/' "$RES/demo/jfk.json" > corrected.json
step realign -- "$EXE" realign jfk.flac corrected.json -o corrected.srt
if [ "$LAST_RC" = 0 ] && grep -q "re-aligned 1 segment" "$WORK/realign.err" \
    && grep -q "^ask not now$" corrected.srt; then
  report ok realign "corrected transcript: 1 segment re-aligned"
else report FAIL realign "exit $LAST_RC"; fi

step docx -- "$EXE" convert corrected.srt corrected.docx
if [ "$LAST_RC" = 0 ] && [ "$(head -c 2 corrected.docx)" = PK ] \
    && grep -a -q "word/document.xml" corrected.docx; then
  report ok docx "Word document written ($(( $(stat -c %s corrected.docx) / 1024 )) KiB, python-docx's template)"
else report FAIL docx "exit $LAST_RC"; fi

# a 4 s video with one cut at 2.0 s (red, then blue) and a tone, made with the bundled ffmpeg
FFMPEG=$(ls "$ROOT"/_internal/imageio_ffmpeg/binaries/ffmpeg-* 2>/dev/null | head -1)
step makevideo -- "$FFMPEG" -hide_banner -loglevel error -f lavfi -i "color=c=red:s=320x240:r=25:d=2" \
  -f lavfi -i "color=c=blue:s=320x240:r=25:d=2" -f lavfi -i "sine=frequency=440:duration=4" \
  -filter_complex "[0:v][1:v]concat=n=2:v=1[v]" -map "[v]" -map 2:a -c:v mpeg4 -q:v 5 -c:a aac \
  -shortest cuts.mp4
if [ "$LAST_RC" = 0 ] && [ -s cuts.mp4 ]; then
  report ok makevideo "bundled ffmpeg ($(basename "$FFMPEG")) encoded a 4 s test video"
else report FAIL makevideo "exit $LAST_RC"; fi

step shots -- "$EXE" shots cuts.mp4 --json
if [ "$LAST_RC" = 0 ] && tr -d ' \n' < "$WORK/shots.out" | grep -q '"shot_changes":\[2.0\]'; then
  report ok shots "one shot change, at 2.0 s"
else report FAIL shots "exit $LAST_RC: $(tr -d '\n' < "$WORK/shots.out" | head -c 200)"; fi

printf '1\n00:00:01,000 --> 00:00:03,000\nThis is a tset of speling.\n' > typos.srt
step check -- "$EXE" check typos.srt --spell en
if [ "$LAST_RC" = 1 ] && grep -q "unknown word 'tset'" "$WORK/check.out" \
    && grep -q "unknown word 'speling'" "$WORK/check.out"; then
  report ok check "spelling (bundled dictionary): both typos found, exit 1"
else report FAIL check "exit $LAST_RC: $(tail -1 "$WORK/check.out")"; fi

# no server listens on port 9 (discard): the HTTP client must say so in one line
step translate -- "$EXE" translate jfk.srt jfk.de.srt --to de --server http://127.0.0.1:9/v1
if [ "$LAST_RC" = 2 ] && [ "$(wc -l < "$WORK/translate.err")" = 1 ] \
    && grep -q "cannot reach the translation server" "$WORK/translate.err" && [ ! -e jfk.de.srt ]; then
  report ok translate "server unreachable: one line, exit 2, nothing written"
else report FAIL translate "exit $LAST_RC"; fi
# with the repository's fake chat server (system python3, standard library only) when at hand
FAKE_SERVER="$HERE/../tests/fake_chat_server.py"
if command -v python3 >/dev/null 2>&1 && [ -f "$FAKE_SERVER" ]; then
  : > "$WORK/server.out"
  python3 "$FAKE_SERVER" --port 0 > "$WORK/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do grep -q '^PORT' "$WORK/server.out" && break; sleep 0.1; done
  port=$(sed -n 's/^PORT //p' "$WORK/server.out")
  step translate2 -- "$EXE" translate jfk.srt jfk.up.srt --to de --server "http://127.0.0.1:$port/v1"
  kill "$server_pid" 2>/dev/null || true
  if [ "$LAST_RC" = 0 ] && grep -q "AND SO MY FELLOW AMERICANS" jfk.up.srt; then
    report ok translate2 "through a chat server (the tests' fake one): 3 cues translated"
  else report FAIL translate2 "exit $LAST_RC"; fi
fi

step speakers -- "$EXE" speakers jfk.flac jfk.srt -o jfk.speakers.srt
if [ -d "$ROOT/_internal/torch" ]; then
  if [ "$LAST_RC" = 0 ] && grep -q "^Speaker 1: And so my fellow Americans" jfk.speakers.srt; then
    report ok speakers "speaker detection (PyTorch build): one speaker"
  else report FAIL speakers "exit $LAST_RC"; fi
elif [ "$LAST_RC" = 2 ] && [ "$(grep -c '^cueline: error:' "$WORK/speakers.err")" = 1 ] \
    && grep -q "does not include speaker detection" "$WORK/speakers.err" && no_traceback speakers; then
  report ok speakers "no speaker detection in this build (needs PyTorch): one error line, exit 2"
else report FAIL speakers "exit $LAST_RC"; fi

step badinput -- "$EXE" info missing.wav
if [ "$LAST_RC" = 2 ] && [ "$(wc -l < "$WORK/badinput.err")" = 1 ] && no_traceback badinput; then
  report ok badinput "$(cat "$WORK/badinput.err")"
else report FAIL badinput "exit $LAST_RC"; fi

# The editor: load the demo, draw the window, save it, quit.  PNG size from its IHDR header.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print ($1*16777216+$2*65536+$3*256+$4) "x" ($5*16777216+$6*65536+$7*256+$8)}'; }
editor_ok() {  # editor_ok NAME PNG
  [ "$LAST_RC" = 0 ] && [ -s "$2" ] && [ "$(png_size "$2")" = 1600x1000 ] \
    && [ "$(stat -c %s "$2")" -gt 40000 ] && no_traceback "$1"
}
step editor -- QT_QPA_PLATFORM=offscreen "$EXE" --screenshot "$WORK/editor.png" jfk.flac
if editor_ok editor "$WORK/editor.png"; then
  report ok editor "offscreen: loaded the demo, drew a $(png_size "$WORK/editor.png") window ($(( $(stat -c %s "$WORK/editor.png") / 1024 )) KiB PNG), exit 0"
else report FAIL editor "exit $LAST_RC"; fi

step editor-video -- QT_QPA_PLATFORM=offscreen "$EXE" --screenshot "$WORK/editor-video.png" cuts.mp4
if editor_ok editor-video "$WORK/editor-video.png"; then
  report ok editor-video "offscreen, the test video (QtMultimedia's FFmpeg plugin): exit 0"
else report FAIL editor-video "exit $LAST_RC"; fi

if command -v xvfb-run >/dev/null 2>&1; then
  # xvfb-run puts DISPLAY and XAUTHORITY in its child's environment: pass only those on
  step editor-x11 -- xvfb-run -a -s "-screen 0 1920x1200x24" sh -c \
    'exec env -i HOME="$0" PATH=/usr/bin:/bin LANG=C.UTF-8 HF_HUB_OFFLINE=1 DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" "$1" --screenshot "$2" jfk.flac' \
    "$WORK/home" "$EXE" "$WORK/editor-x11.png"
  if editor_ok editor-x11 "$WORK/editor-x11.png"; then
    report ok editor-x11 "Xvfb, Qt's xcb plugin: drew the window, exit 0"
  else report FAIL editor-x11 "exit $LAST_RC"; fi
else
  echo "skip           editor-x11             xvfb-run not installed: the X11 run was not tried"
fi

LAST_MS=$(ms_since "$START_NS")
if [ $failed = 0 ]; then
  printf 'PASS %7s s  %d checks passed\n' "$(secs "$LAST_MS")" "$checks"
  if [ -n "${SMOKE_KEEP:-}" ]; then mkdir -p "$SMOKE_KEEP" && cp "$WORK"/*.png "$SMOKE_KEEP"/; fi
  exit 0
fi
printf 'FAIL %7s s  %d of %d checks failed\n' "$(secs "$LAST_MS")" "$failed" "$checks"
exit 1
