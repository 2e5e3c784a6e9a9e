from __future__ import annotations

import os

import pytest

from app.core import edits
from app.core.document import Document
from app.core.model import WORDS_STALE, Segment, Word
from app.core.project import (
    ProjectError,
    discard_recovery,
    find_recoveries,
    load_project,
    load_recovery,
    media_ref,
    relink_media,
    save_project,
    write_recovery,
)


@pytest.fixture
def doc(jfk_path):
    d = Document(
        [
            Segment(300, 2500, "And so my", (Word("And", 300, 500, 0.9), Word("so", 600, 900), Word("my", 1000, 1200, None, True)),
                    speaker="JFK", language="en", translation="Et donc"),
            Segment(3000, 4000, "שלום 你好 ✓", flags=frozenset({WORDS_STALE})),
        ],
        media=media_ref(jfk_path, 11000),
        meta={"language": "en", "profile": "netflix-en"},
    )
    return d


def test_round_trip(doc, tmp_path):
    p = tmp_path / "a.cueline"
    edits.edit_text(doc, doc[1].id, "שלום 你好 ✓!")
    save_project(doc, p)
    assert not doc.history.is_dirty
    back = load_project(p)
    assert back.snapshot() == doc.snapshot()
    assert back.media == doc.media
    assert back.path == str(p)


def test_second_save_keeps_backup(doc, tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc, p)
    first = p.read_text("utf-8")
    edits.delete(doc, [doc[0].id])
    save_project(doc, p)
    assert (tmp_path / "a.cueline.bak").read_text("utf-8") == first
    assert len(load_project(p)) == 1
    assert not [x for x in os.listdir(tmp_path) if x.endswith(".tmp")]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b'{"format": "cueline-project", "version": 1, "segments": [', "truncated"),
        (b'{"hello": 1}', "not a Cueline project"),
        (b"\xff\xfe\x00garbage", "not a Cueline project"),
        (b'{"format": "cueline-project", "version": 99, "segments": []}', "newer Cueline"),
        (b'{"format": "cueline-project", "version": 1, "segments": [{"start": 5, "end": 1}]}', "corrupted"),
        (b'{"format": "cueline-project", "version": 1, "segments": [{"text": "no times"}]}', "corrupted"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, content, needle):
    p = tmp_path / "bad.cueline"
    p.write_bytes(content)
    with pytest.raises(ProjectError) as err:
        load_project(p)
    assert needle in str(err.value) and str(p) in str(err.value)
    assert p.read_bytes() == content  # nothing overwritten


def test_truncated_real_project(doc, tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc, p)
    raw = p.read_bytes()
    for cut in (len(raw) // 3, len(raw) // 2, len(raw) - 2):
        p.write_bytes(raw[:cut])
        with pytest.raises(ProjectError):
            load_project(p)


def test_missing_and_folder(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "nope.cueline")
    with pytest.raises(ProjectError, match="folder"):
        load_project(tmp_path)


def test_save_failure_leaves_old_file_intact(doc, tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc, p)
    old = p.read_bytes()
    edits.delete(doc, [doc[0].id])
    with pytest.raises(ProjectError, match="cannot save"):
        save_project(doc, tmp_path / "missing-folder" / "a.cueline")
    # a target that is a folder cannot be replaced either
    (tmp_path / "dir.cueline").mkdir()
    with pytest.raises(ProjectError):
        save_project(doc, tmp_path / "dir.cueline")
    assert p.read_bytes() == old
    assert doc.history.is_dirty  # a failed save is not a save


def test_read_only_folder(doc, tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits: use a read-only bind-free trick instead, a file as folder
        target = tmp_path / "file-not-folder"
        target.write_text("x")
        with pytest.raises(ProjectError):
            save_project(doc, target / "a.cueline")
        assert target.read_text() == "x"
        return
    ro = tmp_path / "ro"
    ro.mkdir()
    save_project(doc, ro / "a.cueline")
    before = (ro / "a.cueline").read_bytes()
    ro.chmod(0o500)
    try:
        with pytest.raises(ProjectError):
            save_project(doc, ro / "a.cueline")
        assert (ro / "a.cueline").read_bytes() == before
    finally:
        ro.chmod(0o700)


def test_relink_moved_media(doc, tmp_path, jfk_path):
    moved = tmp_path / jfk_path.name
    moved.write_bytes(jfk_path.read_bytes())
    ref = doc.media
    ref.path = str(tmp_path / "old" / jfk_path.name)
    assert relink_media(ref, tmp_path / "project.cueline") == moved
    moved.write_bytes(b"different content")
    assert relink_media(ref, tmp_path / "project.cueline") is None


def test_recovery_cycle(doc, tmp_path):
    folder = tmp_path / "rec"
    edits.edit_text(doc, doc[0].id, "And so my friends")
    path = write_recovery(doc, "session-1", folder)
    assert doc.history.is_dirty  # autosave is not a save
    found = find_recoveries(folder)
    assert [p for p, _ in found] == [path] and found[0][1]["key"] == "session-1"
    back = load_recovery(path)
    assert back.snapshot() == doc.snapshot()
    discard_recovery("session-1", folder)
    assert find_recoveries(folder) == []
