"""Registry, format detection, files: reading errors and atomic writing."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from app.core.model import Segment
from app.formats import (
    FORMATS,
    FormatError,
    format_for_path,
    read_file,
    read_text,
    write_file,
    write_text,
)
from tests.formats.formats_helpers import sample_document


def test_registry_lists_every_format():
    assert set(FORMATS) == {"srt", "vtt", "ass", "txt", "json", "docx"}
    for name, info in FORMATS.items():
        assert info.name == name and info.can_write
        assert info.can_read == (name != "docx")  # Word: export only
        assert info.extensions and all(e.startswith(".") for e in info.extensions)
        assert info.description
    assert ".ssa" in FORMATS["ass"].extensions


@pytest.mark.parametrize("path, name", [
    ("a.srt", "srt"), ("b.SRT", "srt"), ("c.vtt", "vtt"), ("d.ass", "ass"), ("e.ssa", "ass"),
    ("f.txt", "txt"), ("dir.d/g.json", "json"),
])
def test_format_for_path(path, name):
    assert format_for_path(path) == name


def test_unknown_extension():
    with pytest.raises(FormatError, match=r"^film\.xyz: unknown subtitle extension '\.xyz'"):
        format_for_path("film.xyz")


def test_content_recognised_under_another_extension(tmp_path):
    path = tmp_path / "really_vtt.srt"
    path.write_text(write_text(sample_document(), "vtt"), encoding="utf-8")
    result = read_file(path)
    assert result.format == "vtt" and len(result.document) == 3
    assert "read as vtt" in result.warnings[0].message


def test_unknown_extension_is_recognised_by_content(tmp_path):
    path = tmp_path / "subs.sub"
    path.write_text(write_text(sample_document(), "srt"), encoding="utf-8")
    assert read_file(path).format == "srt"
    path.write_text("just words", encoding="utf-8")
    with pytest.raises(FormatError, match="unknown subtitle extension"):
        read_file(path)


def test_read_text_recognises_content_without_a_format():
    assert read_text(write_text(sample_document(), "ass")).format == "ass"
    assert read_text("Plain words.").format == "txt"


@pytest.mark.parametrize("fmt", sorted(n for n, i in FORMATS.items() if i.can_read))
def test_write_then_read_file(tmp_path, fmt):
    path = tmp_path / f"out.{FORMATS[fmt].extensions[0].lstrip('.')}"
    assert write_file(sample_document(), path) == str(path)
    result = read_file(path)
    assert result.format == fmt
    assert [s.text for s in result.document][-1] == "Ask what you can do for your country."
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_file_with_bom(tmp_path):
    path = tmp_path / "bom.srt"
    write_file(sample_document(), path, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf1\n")
    assert read_file(path).warnings == []


def test_unknown_option_is_refused_but_false_options_are_ignored():
    doc = sample_document()
    with pytest.raises(ValueError, match="srt writer has no option karaoke"):
        write_text(doc, "srt", karaoke=True)
    assert write_text(doc, "srt", karaoke=False) == write_text(doc, "srt")


def test_missing_file():
    with pytest.raises(FormatError, match=r"^/no/such/file\.srt: cannot read: the folder"):
        read_file("/no/such/file.srt")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(FormatError, match="cannot read"):
        read_file(tmp_path)


# -- writing failures (tests run as root, where chmod does not stop writes) -------------------
def test_write_into_missing_folder(tmp_path):
    target = tmp_path / "missing" / "out.srt"
    with pytest.raises(FormatError) as info:
        write_file(sample_document(), target)
    assert str(info.value) == f"{target}: cannot write: the folder {target.parent} does not exist"


def test_write_where_a_folder_is_expected(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    target = blocker / "out.srt"
    with pytest.raises(FormatError, match="cannot write: a part of the path is a file"):
        write_file(sample_document(), target)


def test_write_onto_a_folder(tmp_path):
    (tmp_path / "out.srt").mkdir()
    with pytest.raises(FormatError, match="out.srt: cannot write: it is a folder"):
        write_file(sample_document(), tmp_path / "out.srt")


def test_full_disk_leaves_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "keep.srt"
    target.write_text("old content")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(FormatError, match="keep.srt: cannot write: no space left on the disk"):
        write_file([Segment(0, 1000, "new")], target)
    assert target.read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.srt"]


def test_rewriting_keeps_the_file_permissions(tmp_path):
    target = tmp_path / "shared.vtt"
    target.write_text("old")
    target.chmod(0o640)
    write_file(sample_document(), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("WEBVTT")


def test_new_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_file(sample_document(), tmp_path / "new.srt")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.srt").stat().st_mode) == 0o644


def test_exports_use_the_one_atomic_writer(tmp_path, monkeypatch):
    """Subtitle exports go through app.core.atomic: mkstemp temporaries, a killed writer's
    leftover swept, no .bak next to an export."""
    from app.core import atomic

    target = tmp_path / "film.srt"
    target.write_text("old")
    leftover = tmp_path / ".film.srt.k1ll3d_0.tmp"  # what a writer killed mid-save leaves
    leftover.write_text("half")
    made: list[str] = []
    real = atomic.tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        made.append(name)
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    write_file(sample_document(), target)
    assert target.read_text().startswith("1\n")
    assert [os.path.basename(n)[:10] for n in made] == [".film.srt."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.srt"]
