"""Subtitle profiles: the layout and timing rules a delivery target sets.

Each profile is one JSON file.  Cueline ships its profiles in ``resources/profiles``; users add
their own in ``<user config dir>/cueline/profiles`` (a user profile with the id of a bundled
one replaces it).  A profile file holds the fields of :class:`Profile`; ``id`` defaults to the
file name without ``.json``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, fields
from pathlib import Path

from app.subtitles.resources import resource_path

log = logging.getLogger(__name__)

DEFAULT_PROFILE_ID = "default"


class ProfileError(ValueError):
    """A profile that does not exist or a profile file that cannot be used."""

    @property
    def user_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Profile:
    """Layout and timing rules for subtitles.

    Hard limits (the checker reports them as errors): ``max_chars_per_line``, ``max_lines``,
    ``max_cps``, ``max_wpm``, ``min_duration_ms``, ``max_duration_ms`` and the minimum gap.
    Targets (shaping aims for them; the checker warns past them): ``optimal_chars_per_line``,
    ``preferred_lines``; ``optimal_cps``/``optimal_wpm`` are the reading speeds shaping extends
    a cue towards when the following silence allows it.
    """

    id: str
    name: str
    description: str = ""
    language: str | None = None
    max_chars_per_line: int = 42
    optimal_chars_per_line: int | None = None
    max_lines: int = 2
    preferred_lines: int | None = None
    max_cps: float | None = None
    optimal_cps: float | None = None
    max_wpm: float | None = None
    optimal_wpm: float | None = None
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_ms: int | None = None
    min_gap_frames: int | None = None
    frame_rate: float = 24.0
    lead_in_ms: int = 0  # how far a cue may start before its speech
    lead_out_ms: int = 500  # how far a cue may end after its speech
    tail_ms: int = 0  # how long shaping keeps a cue up after its speech (at most lead_out_ms)
    pause_ms: int = 500  # a silence this long between words is a preferred cue break
    count_spaces: bool = True  # spaces count in line length and reading speed
    cjk: bool = False  # a language written without spaces (count_spaces defaults to false)
    shot_snap_frames: int | None = None  # edges this close to a shot change belong on it
    shot_gap_frames: int = 2  # an end near a shot change ends this many frames before it
    source: str = ""  # the file the profile was loaded from

    # -- derived values ------------------------------------------------------------------
    @property
    def line_target(self) -> int:
        """The line length shaping aims for."""
        return self.optimal_chars_per_line or self.max_chars_per_line

    @property
    def lines_target(self) -> int:
        """The number of lines shaping uses at most."""
        return min(self.preferred_lines or self.max_lines, self.max_lines)

    def min_gap(self, fps: float | None = None) -> int:
        """The minimum gap between two cues in ms (frame-based gaps use ``fps`` if given).

        A gap of *n* frames is rounded down to whole ms, so that any two frame boundaries
        *n* frames apart are at least that far apart in ms.
        """
        if self.min_gap_frames is not None:
            rate = fps or self.frame_rate
            return int(math.floor(self.min_gap_frames * 1000.0 / rate + 1e-9))
        return int(self.min_gap_ms or 0)

    def frames_ms(self, frames: int, fps: float | None = None) -> int:
        """``frames`` frames in whole ms at ``fps`` (the profile's own rate if not given)."""
        return int(round(frames * 1000.0 / (fps or self.frame_rate)))

    def reading_time_ms(self, chars: int, words: int, optimal: bool = False) -> int:
        """The shortest time a cue with ``chars`` characters and ``words`` words needs.

        Uses the maximum reading speeds, or the optimal ones with ``optimal=True``.
        """
        need = 0.0
        cps = (self.optimal_cps or self.max_cps) if optimal else self.max_cps
        wpm = (self.optimal_wpm or self.max_wpm) if optimal else self.max_wpm
        if cps:
            need = max(need, chars * 1000.0 / cps)
        if wpm:
            need = max(need, words * 60000.0 / wpm)
        return int(math.ceil(need - 1e-9))

    def summary(self) -> str:
        """One line with the main numbers, for lists and tooltips."""
        parts = [f"{self.max_chars_per_line} chars x {self.max_lines} lines"]
        if self.max_cps:
            parts.append(f"{self.max_cps:g} CPS")
        if self.max_wpm:
            parts.append(f"{self.max_wpm:g} WPM")
        parts.append(f"{self.min_duration_ms / 1000:g}-{self.max_duration_ms / 1000:g} s")
        gap = self.min_gap()
        if self.min_gap_frames is not None:
            parts.append(f"gap {self.min_gap_frames} frames")
        elif gap:
            parts.append(f"gap {gap} ms")
        return ", ".join(parts)


_FIELDS = {f.name: f for f in fields(Profile)}
_INT_FIELDS = {
    "max_chars_per_line", "optimal_chars_per_line", "max_lines", "preferred_lines",
    "min_duration_ms", "max_duration_ms", "min_gap_ms", "min_gap_frames", "lead_in_ms",
    "lead_out_ms", "tail_ms", "pause_ms", "shot_snap_frames", "shot_gap_frames",
}
_FLOAT_FIELDS = {"max_cps", "optimal_cps", "max_wpm", "optimal_wpm", "frame_rate"}
_BOOL_FIELDS = {"count_spaces", "cjk"}
_STR_FIELDS = {"id", "name", "description", "language"}
_OPTIONAL = {
    "optimal_chars_per_line", "preferred_lines", "max_cps", "optimal_cps", "max_wpm",
    "optimal_wpm", "min_gap_ms", "min_gap_frames", "language", "shot_snap_frames",
}
_POSITIVE = {"max_chars_per_line", "max_lines", "max_duration_ms", "frame_rate",
             "max_cps", "max_wpm", "optimal_cps", "optimal_wpm", "optimal_chars_per_line",
             "preferred_lines"}


def profile_from_dict(data: dict, source: str = "<profile>") -> Profile:
    """Build a profile from the contents of a profile file, checking every field."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: a profile must be a JSON object")
    values: dict = {}
    for key, value in data.items():
        if key not in _FIELDS or key == "source":
            known = ", ".join(sorted(k for k in _FIELDS if k != "source"))
            raise ProfileError(f"{source}: unknown profile field {key!r} (known fields: {known})")
        if value is None:
            if key not in _OPTIONAL:
                raise ProfileError(f"{source}: field {key!r} cannot be null")
            values[key] = None
            continue
        values[key] = _convert(key, value, source)
    if "name" not in values:
        raise ProfileError(f"{source}: a profile needs a 'name'")
    if "id" not in values:
        values["id"] = Path(source).stem if source.endswith(".json") else values["name"]
    if values.get("cjk") and "count_spaces" not in values:
        values["count_spaces"] = False  # text without spaces between words: count characters
    profile = Profile(**values, source=source)
    _validate(profile, source)
    return profile


def _convert(key: str, value, source: str):
    if key in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise ProfileError(f"{source}: field {key!r} must be true or false, not {value!r}")
        return value
    if key in _STR_FIELDS:
        if not isinstance(value, str):
            raise ProfileError(f"{source}: field {key!r} must be a string, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{source}: field {key!r} must be a number, not {value!r}")
    if key in _INT_FIELDS:
        if value != int(value):
            raise ProfileError(f"{source}: field {key!r} must be a whole number, not {value!r}")
        value = int(value)
    else:
        value = float(value)
    if value < 0 or (key in _POSITIVE and value == 0):
        raise ProfileError(f"{source}: field {key!r} must be positive, not {value!r}")
    return value


def _validate(p: Profile, source: str) -> None:
    if p.min_duration_ms > p.max_duration_ms:
        raise ProfileError(
            f"{source}: min_duration_ms ({p.min_duration_ms}) is above max_duration_ms "
            f"({p.max_duration_ms})"
        )
    if p.optimal_chars_per_line and p.optimal_chars_per_line > p.max_chars_per_line:
        raise ProfileError(f"{source}: optimal_chars_per_line is above max_chars_per_line")
    if p.preferred_lines and p.preferred_lines > p.max_lines:
        raise ProfileError(f"{source}: preferred_lines is above max_lines")
    if p.min_gap_ms is not None and p.min_gap_frames is not None:
        raise ProfileError(f"{source}: give min_gap_ms or min_gap_frames, not both")
    if not p.id.strip():
        raise ProfileError(f"{source}: the profile id is empty")


def read_profile_file(path: str | Path) -> Profile:
    """Load one profile file; errors name the file and the problem."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: the profile file is not UTF-8 text") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ProfileError(f"{path}: not a profile (JSON nested too deeply)") from None
    except ValueError as exc:  # a number of more than 4,300 digits
        raise ProfileError(f"{path}: not a profile ({str(exc)[:80]})") from None
    return profile_from_dict(data, source=str(path))


def builtin_profiles_dir() -> Path:
    return resource_path("profiles")


def user_profiles_dir() -> Path:
    """Where users put their own profile files."""
    import platformdirs

    return Path(platformdirs.user_config_dir("cueline")) / "profiles"


def _profile_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.glob("*.json") if p.is_file())
    except OSError:
        return []


def list_profiles() -> list[Profile]:
    """Every available profile, bundled and user-defined, the default first, then by name.

    A user profile file that cannot be read is skipped with a logged warning (loading it by
    path with :func:`load_profile` gives the error).
    """
    found: dict[str, Profile] = {}
    for path in _profile_files(builtin_profiles_dir()):
        profile = read_profile_file(path)
        found[profile.id.lower()] = profile
    for path in _profile_files(user_profiles_dir()):
        try:
            profile = read_profile_file(path)
        except ProfileError as exc:
            log.warning("skipping user profile: %s", exc)
            continue
        found[profile.id.lower()] = profile
    return sorted(found.values(), key=lambda p: (p.id != DEFAULT_PROFILE_ID, p.name.lower()))


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """A profile by id (``"netflix-en"``), by name (``"BBC"``, any case) or from a JSON file
    (a :class:`~pathlib.Path`, a string ending in ``.json``, or a path that names no profile)."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.lower().endswith(".json"):
        return read_profile_file(Path(text).expanduser())
    key = text.strip().lower()
    profiles = list_profiles()
    for p in profiles:
        if p.id.lower() == key:
            return p
    for p in profiles:
        if p.name.lower() == key:
            return p
    if "/" in text or "\\" in text:
        return read_profile_file(Path(text).expanduser())
    available = ", ".join(p.id for p in profiles)
    raise ProfileError(f"unknown subtitle profile {text!r} (available: {available})")


def default_profile() -> Profile:
    """The general-purpose profile used when none is chosen."""
    return load_profile(DEFAULT_PROFILE_ID)
