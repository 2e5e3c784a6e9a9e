from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.subtitles import profiles
from app.subtitles.profiles import (
    Profile,
    ProfileError,
    default_profile,
    list_profiles,
    load_profile,
    read_profile_file,
)
from app.subtitles.resources import resource_path, resource_roots

BUNDLED = {
    "default", "netflix-en", "netflix-en-children", "netflix-zh", "netflix-ko", "netflix-ja",
    "amazon", "bbc", "vertical",
}
PROFILE_FILES = sorted(Path(resource_path("profiles")).glob("*.json"))


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path, monkeypatch):
    """Tests never read the real user's config folder."""
    folder = tmp_path / "user-profiles"
    monkeypatch.setattr(profiles, "user_profiles_dir", lambda: folder)
    return folder


def test_resource_path_finds_the_bundled_profiles():
    folder = resource_path("profiles")
    assert folder.is_dir()
    assert folder.parent in resource_roots()
    assert {p.stem for p in folder.glob("*.json")} == BUNDLED


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_every_profile_file_loads(path):
    p = read_profile_file(path)
    assert p.id == path.stem
    assert p.name and p.description
    assert p.max_chars_per_line > 0 and p.max_lines >= 1
    assert p.max_cps or p.max_wpm
    assert 0 < p.min_duration_ms < p.max_duration_ms
    assert p.source == str(path)
    assert load_profile(p.id) == p
    assert load_profile(p.name.upper()) == p


def test_profile_numbers_follow_the_guides():
    en = load_profile("netflix-en")
    assert (en.max_chars_per_line, en.max_lines, en.max_cps) == (42, 2, 20)
    assert (en.min_duration_ms, en.max_duration_ms) == (833, 7000)
    assert en.min_gap() == 83 and en.min_gap(fps=25) == 80
    assert load_profile("netflix-en-children").max_cps == 17
    zh, ko, ja = (load_profile(n) for n in ("netflix-zh", "netflix-ko", "netflix-ja"))
    assert (zh.max_chars_per_line, ko.max_chars_per_line, ja.max_chars_per_line) == (16, 16, 13)
    assert (zh.max_cps, ko.max_cps, ja.max_cps) == (9, 12, 4)
    assert zh.cjk and ja.cjk and not zh.count_spaces and ko.count_spaces
    amazon = load_profile("amazon")
    assert (amazon.max_cps, amazon.min_duration_ms, amazon.min_gap()) == (17, 1000, 83)
    bbc = load_profile("bbc")
    assert (bbc.optimal_chars_per_line, bbc.max_chars_per_line) == (37, 40)
    assert (bbc.max_wpm, bbc.lead_in_ms, bbc.lead_out_ms) == (180, 1500, 1500)
    assert bbc.lines_target == 2 and bbc.max_lines == 3
    vertical = load_profile("vertical")
    assert (vertical.max_chars_per_line, vertical.max_cps, vertical.min_gap()) == (24, 25, 0)
    d = default_profile()
    assert d.id == "default"
    assert (d.max_chars_per_line, d.max_lines, d.optimal_cps, d.max_cps) == (42, 2, 17, 20)
    assert (d.min_duration_ms, d.max_duration_ms, d.min_gap()) == (833, 7000, 83)


def test_list_profiles_has_the_default_first():
    found = list_profiles()
    assert {p.id for p in found} == BUNDLED
    assert found[0].id == "default"


def test_unknown_profile_lists_the_available_ones():
    with pytest.raises(ProfileError) as err:
        load_profile("youtube-shorts")
    message = str(err.value)
    assert "youtube-shorts" in message
    for pid in BUNDLED:
        assert pid in message
    assert err.value.user_message == message


def test_user_profiles_are_listed_and_override(no_user_profiles):
    no_user_profiles.mkdir()
    (no_user_profiles / "festival.json").write_text(json.dumps({
        "name": "Film festival", "max_chars_per_line": 38, "max_cps": 15,
        "min_duration_ms": 1000, "max_duration_ms": 6000, "min_gap_ms": 120,
    }))
    (no_user_profiles / "bbc.json").write_text(json.dumps({
        "id": "bbc", "name": "BBC (house style)", "max_chars_per_line": 36, "max_wpm": 150,
    }))
    (no_user_profiles / "broken.json").write_text("{not json")
    found = {p.id: p for p in list_profiles()}
    assert found["festival"].max_chars_per_line == 38
    assert found["festival"].min_gap() == 120
    assert found["bbc"].name == "BBC (house style)"
    assert "broken" not in found
    assert load_profile("Film festival").id == "festival"


def test_profile_from_a_file_path(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "Mine", "max_chars_per_line": 30, "max_cps": 12}))
    p = load_profile(str(path))
    assert (p.id, p.max_chars_per_line, p.max_cps) == ("mine", 30, 12)
    assert p.count_spaces and not p.cjk
    assert load_profile(p) is p
    path.write_text(json.dumps({"name": "Thai", "max_chars_per_line": 35, "max_cps": 15,
                                "cjk": True}))
    assert not load_profile(path).count_spaces


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ('{"name": "x", "max_chars": 40}', "unknown profile field 'max_chars'"),
        ('{"name": "x", "max_cps": "fast"}', "must be a number"),
        ('{"name": "x", "max_lines": 1.5}', "whole number"),
        ('{"name": "x", "max_chars_per_line": 0}', "must be positive"),
        ('{"max_cps": 20}', "needs a 'name'"),
        ('{"name": "x", "min_duration_ms": 9000, "max_duration_ms": 7000}', "above max_duration_ms"),
        ('{"name": "x", "min_gap_ms": 80, "min_gap_frames": 2}', "not both"),
        ('{"name": "x", "cjk": "yes"}', "true or false"),
    ],
)
def test_bad_profile_files_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert str(path) in str(err.value)
    assert problem in str(err.value)


def test_missing_profile_file():
    with pytest.raises(ProfileError, match="profile file not found"):
        load_profile("/nonexistent/folder/profile.json")


def test_reading_time():
    p = Profile(id="t", name="t", max_cps=20, optimal_cps=10, max_wpm=120)
    assert p.reading_time_ms(40, 2) == 2000
    assert p.reading_time_ms(10, 4) == 2000  # 4 words at 120 words/min
    assert p.reading_time_ms(40, 2, optimal=True) == 4000
