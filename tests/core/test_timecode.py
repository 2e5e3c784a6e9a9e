from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import timecode as tc


@given(st.integers(min_value=0, max_value=99 * 3_600_000))
def test_timecode_round_trip(ms):
    assert tc.parse_timecode(tc.format_timecode(ms)) == ms
    assert tc.parse_timecode(tc.format_timecode(ms, sep=".")) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [("00:00:01,5", 1500), ("00:00:01.05", 1050), ("0:00:01.005", 1005), ("01:02.250", 62250),
     ("1:02:03", 3723000), (" 00:00:00,000 ", 0)],
)
def test_parse_variants(text, ms):
    assert tc.parse_timecode(text) == ms


@pytest.mark.parametrize("bad", ["", "1", "00:61:00,000", "aa:bb:cc", "00:00:00,0000"])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        tc.parse_timecode(bad)


def test_frames():
    assert tc.ms_to_frames(1000, 25) == 25
    assert tc.frames_to_ms(2, 24) == 83
    assert tc.snap_to_frame(1010, 25) == 1000
    assert tc.frame_ms(23.976) == 42
    assert tc.format_ass_time(3723456) == "1:02:03.46"
