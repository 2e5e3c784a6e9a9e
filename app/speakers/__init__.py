"""Who spoke when, offline on a CPU: speaker detection, voice profiles, error measures.

- :mod:`diarization`: speech regions -> voice embeddings over sliding windows -> speakers over time.
- :mod:`cluster`: grouping embeddings, with the number of speakers found or given.
- :mod:`assign`: speakers per word; segments split where the speaker changes; overlap flags.
- :mod:`profiles`: named voices kept in the user's data folder and recognised in later files.
- :mod:`metrics`: diarization error rate and word-level speaker accuracy.

:func:`detect_speakers` does the whole job on a transcript.  No Qt; torch only inside
:mod:`app.engines.voice`, loaded when the encoder is first needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core.cancel import CancelToken
from app.core.model import Segment
from app.speakers.assign import label_segments, names_by_appearance
from app.speakers.diarization import Diarization, ProgressFn, diarize

MAX_SPEAKERS = 20


@dataclass
class SpeakerResult:
    """Detected speakers: ``replacements`` maps each segment id to the segments that replace
    it; ``voices`` the mean embedding of each speaker by name (to save as a profile)."""

    replacements: dict[str, list[Segment]]
    names: list[str]
    diarization: Diarization
    voices: dict[str, np.ndarray] = field(default_factory=dict)
    speech_s: dict[str, float] = field(default_factory=dict)
    recognised: dict[str, str] = field(default_factory=dict)  # name -> "voice profile"

    @property
    def segments(self) -> list[Segment]:
        out = [s for segs in self.replacements.values() for s in segs]
        return sorted(out, key=lambda s: (s.start, s.end))

    @property
    def n_speakers(self) -> int:
        return len(self.names)

    def summary(self) -> str:
        if not self.names:
            return "no speech found: no speakers"
        found = ", ".join(f"{n} ({self.speech_s.get(n, 0):.0f} s"
                          f"{', known voice' if n in self.recognised else ''})"
                          for n in self.names)
        return f"{len(self.names)} speaker(s): {found}"


def parse_count(value: str | int | None) -> int | None:
    """``"auto"``/None -> None; ``"3"`` -> 3; raises ``ValueError`` with a reason otherwise."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"the number of speakers must be 'auto' or a number, not {value!r}") \
            from None
    if not 1 <= n <= MAX_SPEAKERS:
        raise ValueError(f"the number of speakers must be between 1 and {MAX_SPEAKERS}, not {n}")
    return n


def detect_speakers(samples: np.ndarray, segments: Sequence[Segment], *,
                    n_speakers: int | None = None, channels: bool = False,
                    channel_of: Callable[[Segment], int] | None = None,
                    use_profiles: bool = True, encoder=None,
                    progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> SpeakerResult:
    """Label ``segments`` (times in ms on ``samples``, 16 kHz) with who speaks them.

    ``channels``: ``samples`` is ``(channels, n)`` and each segment lies on the channel
    ``channel_of(segment)`` gives (a two-microphone interview); else the channels are mixed.
    Saved voice profiles name the speakers they match when ``use_profiles``."""
    diar = diarize(samples, n_speakers=n_speakers, channels=channels, encoder=encoder,
                   progress=progress, cancel=cancel)
    given: dict[int, str] = {}
    if use_profiles and diar.n_speakers:
        from app.speakers.profiles import list_profiles, match_profiles

        try:
            given = match_profiles(diar.voices, list_profiles())
        except OSError:
            given = {}
    names = names_by_appearance(diar, segments, given)
    if not channels:
        channel_of = None
    replacements = label_segments(segments, diar, names, channel_of=channel_of)
    voices = {names[k]: diar.voices[k] for k in range(diar.n_speakers)}
    speech = {names[k]: diar.speech_ms[k] / 1000.0 for k in range(diar.n_speakers)}
    return SpeakerResult(replacements, names, diar, voices, speech,
                         {given[k]: "voice profile" for k in given})


__all__ = ["Diarization", "SpeakerResult", "detect_speakers", "diarize", "parse_count"]
