"""Subtitle shaping and rule checks (Qt-free).

- :mod:`profiles`: :class:`Profile`, :func:`load_profile`, :func:`list_profiles`,
  :func:`default_profile` (JSON files in ``resources/profiles`` and the user's config folder).
- :mod:`shaping`: :func:`shape` turns word-timed segments into cues obeying a profile.
- :mod:`layout`: :func:`reflow_lines` re-breaks one cue's text into balanced lines;
  :func:`cue_layout` gives the editing commands a profile's line layout.
- :mod:`checker`: :func:`check` lists the rules cues break.
- :mod:`measure`: :func:`cps`, :func:`wpm`, :func:`line_lengths`.
- :mod:`resources`: :func:`resource_path` finds bundled data files.
"""

from app.subtitles.checker import ERROR, RULES, WARNING, Violation, check, check_segment_rules
from app.subtitles.layout import cue_layout, layout_cue, reflow_lines
from app.subtitles.measure import cps, line_lengths, reading_chars, wpm
from app.subtitles.profiles import (
    Profile,
    ProfileError,
    default_profile,
    list_profiles,
    load_profile,
    user_profiles_dir,
)
from app.subtitles.resources import resource_path
from app.subtitles.shaping import shape

__all__ = [
    "ERROR", "RULES", "WARNING", "Profile", "ProfileError", "Violation", "check",
    "check_segment_rules", "cps", "cue_layout", "default_profile", "layout_cue", "line_lengths",
    "list_profiles", "load_profile", "reading_chars", "reflow_lines", "resource_path", "shape",
    "user_profiles_dir", "wpm",
]
