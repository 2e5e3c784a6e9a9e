"""Benchmark inputs with known transcripts, built once into a cache folder.

* ``dialogue``: espeak-ng reading :data:`CORPUS` as a conversation of two voices (a man and a
  woman), turns of one to three sentences, pauses of 0.3-1.2 s between turns;
* ``jfk``: the real recording ``jfk.flac`` (11 s) looped with pauses of 0.8-3 s;
* ``hour``: one hour of conversation: the dialogue read again and again by other pairs of
  voices at other speeds (so no two passes are the same audio);
* ``hour-b``: another hour, read by other voices (other accents, other variants; of its 24
  voices only ``en-gb-x-rp`` also reads in ``hour``, at another speed) with other turns and
  pauses: a second long input, so that a difference on one long file can be checked on
  another;
* ``stereo``: the dialogue with each voice on its own channel (for ``--channels``), the other
  channel hearing it 30 dB lower (two microphones in one room);
* ``long-silence``: hours of silence with a sentence of speech every few minutes (for memory
  on long media; cheap to build, cheap to transcribe).

Each builder returns ``(path, reference text)``; the audio is 16 kHz 16-bit (WAV, or FLAC for
the long files, so decoding a compressed file is part of the measurement).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000

CORPUS = [
    'The morning train left the station a few minutes after seven, carrying commuters into the city.',
    'Most of them read newspapers or stared out of the window at the grey fields.',
    'A small child in the third carriage kept asking her mother about the cows.',
    'When the conductor arrived, he checked every ticket with a patient smile.',
    'Nobody noticed the old man who had fallen asleep with a map on his knees.',
    'Weather forecasters expect heavy rain across the northern hills this weekend.',
    'Farmers have been told to move their animals to higher ground before Saturday.',
    'The river last flooded eleven years ago, and many families still remember it.',
    'Local schools will stay open, although some bus routes may be changed.',
    'Residents can find updates on the council website and on the radio.',
    'Learning a new language takes time, patience, and a lot of practice.',
    'Some people prefer to study grammar first, while others start by listening.',
    'Reading simple stories aloud can help you remember useful words.',
    'It is normal to make mistakes, and every mistake teaches you something.',
    'Try to speak a little every day, even if only for five minutes.',
    'The museum opened a new exhibition about the history of navigation.',
    'Visitors can see ancient compasses, star charts, and models of wooden ships.',
    'One room explains how sailors measured their speed with a knotted rope.',
    'Another shows the first clocks that were accurate enough to find longitude at sea.',
    'Children enjoy the interactive globe that lights up famous voyages.',
    'Our team finished the quarterly report on Tuesday afternoon.',
    'Sales grew by twelve percent, mostly thanks to the new online store.',
    'However, shipping costs increased, and several deliveries arrived late.',
    'We plan to hire two more people for the warehouse before the holidays.',
    'The next meeting will focus on customer feedback and product quality.',
    'Bread is one of the oldest foods prepared by human beings.',
    'Flour, water, salt, and yeast are all you need for a simple loaf.',
    'The dough must rest for several hours so that it can rise properly.',
    'Bakers often shape the bread by hand before placing it in a hot oven.',
    'A good crust should be crisp, and the inside should be soft and light.',
    'The city library is looking for volunteers to help with its reading program.',
    'Volunteers meet with young readers once a week for about an hour.',
    'No special training is required, but patience and kindness are important.',
    'Many volunteers say that the experience has changed the way they see their neighborhood.',
    'If you are interested, please visit the front desk and fill in a short form.',
    'Mountain hiking can be wonderful, but it also requires careful planning.',
    'Always check the weather before you leave, and tell someone where you are going.',
    'Bring enough water, warm clothes, and a small first aid kit.',
    'Paths that look easy on a map can become steep and slippery after rain.',
    'Turning back early is often the wisest decision a hiker can make.',
    'The orchestra rehearsed the symphony for three long evenings.',
    'The conductor asked the violins to play more softly in the second movement.',
    'During the final rehearsal, the lights in the hall suddenly went out.',
    'The musicians kept playing from memory until the power returned.',
    'The audience at the premiere gave them a standing ovation.',
    'Scientists have discovered a new species of frog in the tropical forest.',
    'The frog is smaller than a coin and has bright orange spots on its back.',
    'Researchers found it by following its unusual high pitched call at night.',
    'They believe the species lives only in a few valleys near the mountains.',
    'Protecting those valleys will be essential for its survival.',
    'My grandmother kept a garden full of tomatoes, beans, and sunflowers.',
    'Every summer she gave baskets of vegetables to the neighbors.',
    'She said that a garden teaches you to wait and to work without hurry.',
    'I still use her old watering can, although it leaks a little.',
    'When the sunflowers bloom, I always think of her.',
    'The football match was delayed by almost an hour because of fog.',
    'When it finally started, both teams played carefully and slowly.',
    'The home side scored in the last minute with a header from a corner.',
    'Supporters sang and danced in the streets until late in the evening.',
    'The coach said the victory belonged to everyone who believed in the team.',
    'Good sleep is important for memory, mood, and overall health.',
    'Experts recommend going to bed at the same time every night.',
    'Screens and bright lights late in the evening can make it harder to fall asleep.',
    'A quiet, dark, and cool bedroom helps the body rest.',
    'If you cannot sleep, it may help to get up and read for a while.',
    'The village held its annual festival on the first Sunday of autumn.',
    'There were stalls selling honey, cheese, apples, and handmade baskets.',
    'A brass band played in the square, and children rode on a small carousel.',
    'In the evening, lanterns were lit along the path down to the lake.',
    'Everyone agreed that it was the best festival in many years.',
]
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")
# (voice A, voice B, words per minute) for each pass over the corpus; the first is "dialogue"
VOICE_PAIRS = [
    ("en-us", "en-us+f3", 165), ("en-gb", "en-gb+f2", 175), ("en-us+m3", "en-029+f4", 155),
    ("en-gb-scotland", "en-us+f3", 170), ("en-us", "en-gb+f2", 180), ("en-gb", "en-us+f3", 160),
    ("en-us+m3", "en-gb+f2", 185), ("en-029", "en-us+f3", 165), ("en-gb-x-rp", "en-029+f4", 170),
    ("en-us", "en-gb+f2", 150), ("en-gb", "en-us+f3", 190), ("en-us+m3", "en-029+f4", 175),
]

# ``hour-b``: accents and voice variants that VOICE_PAIRS does not use (but en-gb-x-rp)
VOICE_PAIRS_B = [
    ("en-gb-x-gbclan", "en-us+f1", 170), ("en-us-nyc", "en-gb+f4", 160),
    ("en-gb-x-gbcwmd", "en-us+f2", 175), ("en-gb-x-rp+m2", "en-us-nyc+f5", 165),
    ("en-us+m1", "en-gb-x-gbclan+f1", 180), ("en-029+m2", "en-gb-x-rp+f3", 155),
    ("en-gb-scotland+m4", "en-us+f4", 185), ("en-us-nyc+m5", "en-gb+f1", 150),
    ("en-gb+m1", "en-gb-x-gbcwmd+f2", 170), ("en-us+m7", "en-gb-scotland+f5", 175),
    ("en-gb-x-rp", "en-us-nyc+f2", 190), ("en-gb-x-gbclan+m3", "en-029+f1", 165),
]


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        sys.exit(f"{tool} is needed to build the benchmark audio (apt install {tool})")


def write_wav(path: Path, x: np.ndarray) -> Path:
    """16-bit WAV of float samples, mono ``(n,)`` or ``(channels, n)``."""
    x = np.atleast_2d(np.asarray(x, np.float32))
    pcm = np.clip(np.rint(x.T * 32767), -32768, 32767).astype("<i2")
    tmp = path.with_suffix(".part.wav")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(x.shape[0])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    tmp.replace(path)
    return path


def to_flac(wav: Path, flac: Path) -> Path:
    """Compress with the bundled FFmpeg (the long files are then decoded as a user's would)."""
    import imageio_ffmpeg

    tmp = flac.with_suffix(".part.flac")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(wav),
                    "-c:a", "flac", str(tmp)], check=True)
    tmp.replace(flac)
    wav.unlink()
    return flac


def speak(folder: Path, text: str, voice: str, wpm: int) -> np.ndarray:
    """One sentence by espeak-ng, 16 kHz float32, cached."""
    from app.audio.decode import decode

    _need("espeak-ng")
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{voice}|{wpm}|{text}".encode()).hexdigest()[:12]
    npy = folder / f"{voice}-{wpm}-{key}.npy"
    if npy.is_file():
        return np.load(npy)
    raw = folder / f"{key}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
    x = np.ascontiguousarray(decode(raw, RATE), dtype=np.float32)
    raw.unlink()
    np.save(npy, x)
    return x


def _turns(rng: random.Random) -> list[list[int]]:
    """The corpus cut into turns of 1-3 sentences."""
    turns, i = [], 0
    while i < len(CORPUS):
        k = rng.choice((1, 1, 2, 2, 3))
        turns.append(list(range(i, min(len(CORPUS), i + k))))
        i += k
    return turns


def _conversation(folder: Path, pair: tuple[str, str, int], seed: int,
                  ) -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """Left and right voice tracks (pieces, equal lengths) of one pass over the corpus."""
    rng = random.Random(seed)
    a, b, wpm = pair
    left, right = [], []
    for t, turn in enumerate(_turns(rng)):
        voice = a if t % 2 == 0 else b
        for k, i in enumerate(turn):
            x = speak(folder / "sentences", CORPUS[i], voice, wpm)
            gap = rng.uniform(0.15, 0.45) if k < len(turn) - 1 else rng.uniform(0.3, 1.2)
            pause = np.zeros(int(gap * RATE), np.float32)
            mine = np.concatenate([x, pause])
            other = np.zeros_like(mine)
            left.append(mine if voice == a else other)
            right.append(other if voice == a else mine)
    return left, right, " ".join(CORPUS)


def _cached(folder: Path, name: str) -> tuple[Path, str] | None:
    meta = folder / f"{name}.json"
    if meta.is_file():
        info = json.loads(meta.read_text())
        path = folder / info["file"]
        if path.is_file():
            return path, info["reference"]
    return None


def _store(folder: Path, name: str, path: Path, reference: str) -> tuple[Path, str]:
    (folder / f"{name}.json").write_text(json.dumps({"file": path.name, "reference": reference}))
    return path, reference


def dialogue(folder: Path) -> tuple[Path, str]:
    """Two espeak-ng voices in conversation over the corpus (about 4.5 minutes)."""
    got = _cached(folder, "dialogue")
    if got:
        return got
    left, right, ref = _conversation(folder, VOICE_PAIRS[0], seed=1)
    x = np.concatenate(left) + np.concatenate(right)
    x = np.concatenate([np.zeros(int(0.5 * RATE), np.float32), x])
    return _store(folder, "dialogue", write_wav(folder / "dialogue.wav", 0.8 * x), ref)


def stereo(folder: Path) -> tuple[Path, str]:
    """The dialogue with one voice per channel (the other 30 dB lower on each)."""
    got = _cached(folder, "stereo")
    if got:
        return got
    left, right, ref = _conversation(folder, VOICE_PAIRS[0], seed=1)
    lt, rt = np.concatenate(left), np.concatenate(right)
    bleed = 10 ** (-30 / 20)
    x = np.stack([lt + bleed * rt, rt + bleed * lt])
    x = np.concatenate([np.zeros((2, int(0.5 * RATE)), np.float32), x], axis=1)
    return _store(folder, "stereo", write_wav(folder / "stereo.wav", 0.8 * x), ref)


def jfk(folder: Path, minutes: float = 3.0) -> tuple[Path, str]:
    """jfk.flac looped with pauses of 0.8-3 s to about ``minutes``."""
    name = f"jfk-{minutes:g}"
    got = _cached(folder, name)
    if got:
        return got
    from app.audio.decode import decode

    rng = random.Random(7)
    speech = decode(ROOT / "resources" / "demo" / "jfk.flac", RATE)
    parts, n, times = [], 0, 0
    while n < minutes * 60 * RATE:
        pause = np.zeros(int(rng.uniform(0.8, 3.0) * RATE), np.float32)
        parts += [speech, pause]
        n += len(speech) + len(pause)
        times += 1
    folder.mkdir(parents=True, exist_ok=True)
    path = write_wav(folder / f"{name}.wav", np.concatenate(parts))
    return _store(folder, name, path, " ".join([JFK_TEXT] * times))


def hour(folder: Path, minutes: float = 60.0, *, pairs: list | None = None, seed: int = 10,
         name: str = "hour") -> tuple[Path, str]:
    """About ``minutes`` of conversation: the corpus by other voice pairs at other speeds."""
    pairs = pairs or VOICE_PAIRS
    name = f"{name}-{minutes:g}"
    got = _cached(folder, name)
    if got:
        return got
    pieces, refs, n, k = [], [], 0, 0
    while n < minutes * 60 * RATE:
        left, right, ref = _conversation(folder, pairs[k % len(pairs)], seed=seed + k)
        x = np.concatenate(left) + np.concatenate(right)
        pieces.append(0.8 * x)
        refs.append(ref)
        n += len(x)
        k += 1
    wav = write_wav(folder / f"{name}.wav", np.concatenate(pieces))
    return _store(folder, name, to_flac(wav, folder / f"{name}.flac"), " ".join(refs))


def long_silence(folder: Path, hours: float = 3.0, every_s: float = 180.0) -> tuple[Path, str]:
    """``hours`` of near-silence with the JFK sentence every ``every_s`` seconds (FLAC)."""
    name = f"long-silence-{hours:g}h"
    got = _cached(folder, name)
    if got:
        return got
    from app.audio.decode import decode

    speech = decode(ROOT / "resources" / "demo" / "jfk.flac", RATE)
    total = int(hours * 3600 * RATE)
    folder.mkdir(parents=True, exist_ok=True)
    wav_path = folder / f"{name}.wav"
    rng = np.random.default_rng(3)
    times = 0
    with wave.open(str(wav_path), "wb") as w:  # written block by block: 3 h is 345 MB
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        step = int(every_s * RATE)
        for a in range(0, total, step):
            block = (rng.standard_normal(min(step, total - a)) * 1e-4).astype(np.float32)
            if len(block) > len(speech) + RATE:
                block[RATE:RATE + len(speech)] += speech
                times += 1
            w.writeframes(np.clip(np.rint(block * 32767), -32768, 32767).astype("<i2").tobytes())
    path = to_flac(wav_path, folder / f"{name}.flac")
    return _store(folder, name, path, " ".join([JFK_TEXT] * times))


def hour_b(folder: Path, minutes: float = 60.0) -> tuple[Path, str]:
    """Another hour: other voices than :data:`VOICE_PAIRS` (but one), other turns and pauses."""
    return hour(folder, minutes, pairs=VOICE_PAIRS_B, seed=1000, name="hour-b")


BUILDERS = {"dialogue": dialogue, "jfk": jfk, "hour": hour, "hour-b": hour_b, "stereo": stereo,
            "long-silence": long_silence}


def build(name: str, folder: Path) -> tuple[Path, str]:
    return BUILDERS[name](folder)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/cueline-bench")
    for which in (sys.argv[1].split(",") if len(sys.argv) > 1 else BUILDERS):
        p, ref = build(which, out)
        print(which, p, len(ref.split()), "words")
