"""Project files on disk (issue 11, items 10 and 11): permissions, symlinks, a failed save, a
killed save, and two writers of one project."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.core import atomic, edits
from app.core import project as projects
from app.core.document import Document
from app.core.model import Segment
from app.core.project import (
    ProjectChangedError,
    ProjectError,
    load_project,
    load_recovery,
    save_project,
    write_recovery,
)

ROOT = Path(__file__).resolve().parents[2]


def doc_of(text: str) -> Document:
    return Document([Segment(0, 1000, text)])


def mode(p: Path) -> int:
    return p.stat().st_mode & 0o777


def temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith((".tmp", ".tmp.bak")))


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


# -- permissions ----------------------------------------------------------------------------
@pytest.mark.parametrize("project_mode", [0o664, 0o640, 0o600])
def test_save_keeps_the_projects_mode_on_it_and_on_bak(tmp_path, umask022, project_mode):
    p = tmp_path / "a.cueline"
    save_project(doc_of("one"), p)
    os.chmod(p, project_mode)
    # a .bak left world-readable by an older version must not stay so
    bak = tmp_path / "a.cueline.bak"
    bak.write_text("old")
    os.chmod(bak, 0o644)
    save_project(doc_of("two"), p)
    assert mode(p) == project_mode
    assert mode(bak) == project_mode
    assert "one" in bak.read_text("utf-8")


def test_a_new_project_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        save_project(doc_of("one"), tmp_path / "a.cueline")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.cueline") == 0o640


def test_autosave_is_private(tmp_path, umask022):
    path = write_recovery(doc_of("unsaved"), "k", tmp_path / "rec")
    assert mode(path) == 0o600
    assert mode(tmp_path / "rec") == 0o700


# -- symlinks -------------------------------------------------------------------------------
def test_backup_never_follows_a_symlink_planted_at_a_temporary_name(tmp_path, monkeypatch):
    """The old writer copied the project to ``<temporary>.bak``, a name anyone who can write the
    folder could predict and pre-empt with a symlink to a file of the user's."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "shared"
    folder.mkdir()
    p = folder / "a.cueline"
    save_project(doc_of("one"), p)
    real_mkstemp = atomic.tempfile.mkstemp
    planted = []

    def mkstemp_then_plant(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        link = name + ".bak"
        os.symlink(victim, link)
        planted.append(link)
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp_then_plant)
    save_project(doc_of("two"), p)
    assert planted
    assert victim.read_text() == "precious"
    bak = folder / "a.cueline.bak"
    assert not bak.is_symlink() and "one" in bak.read_text("utf-8")
    assert "two" in p.read_text("utf-8")


def test_a_symlink_planted_at_bak_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    p = tmp_path / "a.cueline"
    save_project(doc_of("one"), p)
    (tmp_path / "a.cueline.bak").symlink_to(victim)
    save_project(doc_of("two"), p)
    assert victim.read_text() == "precious"
    assert not (tmp_path / "a.cueline.bak").is_symlink()


# -- a save that fails ----------------------------------------------------------------------
def three_versions(p: Path) -> tuple[bytes, bytes]:
    save_project(doc_of("v1"), p)
    save_project(doc_of("v2"), p)
    return p.read_bytes(), (p.parent / (p.name + ".bak")).read_bytes()


def test_a_failed_save_of_an_immutable_project_leaves_bak_alone(tmp_path, monkeypatch):
    """An immutable file (chattr +i) cannot be replaced: the rename over it fails."""
    p = tmp_path / "a.cueline"
    project_before, bak_before = three_versions(p)
    real_replace = os.replace

    def replace(src, dst, *a, **kw):
        if Path(dst) == p:
            raise PermissionError(1, "Operation not permitted", str(dst))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(ProjectError, match="cannot save"):
        save_project(doc_of("v3"), p)
    assert p.read_bytes() == project_before
    assert (tmp_path / "a.cueline.bak").read_bytes() == bak_before
    assert temporaries(tmp_path) == []


def _chattr(flag: str, path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("what", ["file", "folder"])
def test_chattr_immutable_project_or_folder(tmp_path, what):
    """The real thing where the file system and privileges allow ``chattr +i``."""
    p = tmp_path / "a.cueline"
    project_before, bak_before = three_versions(p)
    target = p if what == "file" else tmp_path
    if not _chattr("+i", target):
        pytest.skip("chattr +i is not allowed here (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs)")
    try:
        with pytest.raises(ProjectError, match="cannot save"):
            save_project(doc_of("v3"), p)
    finally:
        _chattr("-i", target)
    assert p.read_bytes() == project_before
    assert (tmp_path / "a.cueline.bak").read_bytes() == bak_before
    assert temporaries(tmp_path) == []


# -- a save that is killed ------------------------------------------------------------------
KILLED_SAVE = textwrap.dedent("""
    import os, sys, time
    from app.core import atomic
    from app.core.document import Document
    from app.core.model import Segment
    from app.core.project import save_project

    def hang(fd):  # the data is written: stop here until killed
        print("writing", flush=True)
        time.sleep(600)

    atomic.os.fsync = hang
    doc = Document([Segment(i * 10, i * 10 + 5, "x" * 200) for i in range(40000)])
    save_project(doc, sys.argv[1])
""")


def killed_save(p: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(p)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


@pytest.mark.parametrize("then", ["save", "open"])
def test_temporaries_of_a_killed_save_are_swept_by_the_next_save_or_open(tmp_path, then):
    p = tmp_path / "a.cueline"
    save_project(doc_of("v1"), p)
    before = p.read_bytes()
    killed_save(p)
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".a.cueline.")
    assert (tmp_path / left[0]).stat().st_size > 8_000_000  # the 8 MB the issue saw
    assert p.read_bytes() == before  # the kill left the old complete file
    if then == "save":
        save_project(doc_of("v2"), p, overwrite=True)
    else:
        load_project(p)
    assert temporaries(tmp_path) == []


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from app.core import atomic
    fd, name = atomic._new_temp(Path(sys.argv[1]).parent, Path(sys.argv[1]))
    print(name, flush=True)
    time.sleep(600)
""")


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    p = tmp_path / "a.cueline"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(p)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, text=True)
    try:
        name = proc.stdout.readline().strip()
        assert atomic.sweep_temporaries(p) == []
        assert os.path.exists(name)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert atomic.sweep_temporaries(p) == [Path(name)]


def test_sweep_only_touches_temporary_names_of_this_file(tmp_path):
    p = tmp_path / "a.cueline"
    keep = [".a.cueline.notatemp", ".b.cueline.abcd1234.tmp", "a.cueline.abcd1234.tmp",
            ".a.cueline.abcd12345.tmp"]
    for n in keep:
        (tmp_path / n).write_text("x")
    (tmp_path / ".a.cueline.abcd_234.tmp").write_text("x")
    (tmp_path / ".a.cueline.zz99zz99.tmp.bak").write_text("x")  # an older version's leftover
    removed = atomic.sweep_temporaries(p)
    assert sorted(r.name for r in removed) == [".a.cueline.abcd_234.tmp", ".a.cueline.zz99zz99.tmp.bak"]
    assert all((tmp_path / n).exists() for n in keep)


# -- two writers ----------------------------------------------------------------------------
def test_saving_over_a_project_changed_on_disk_is_refused_until_confirmed(tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc_of("v1"), p)
    mine = load_project(p)
    theirs = load_project(p)
    edits.edit_text(theirs, theirs[0].id, "their work")
    save_project(theirs, p)
    edits.edit_text(mine, mine[0].id, "my work")
    with pytest.raises(ProjectChangedError) as err:
        save_project(mine, p)
    assert str(p) in str(err.value) and "changed on disk" in str(err.value)
    assert "their work" in p.read_text("utf-8")
    assert mine.history.is_dirty
    save_project(mine, p, overwrite=True)
    assert "my work" in p.read_text("utf-8")
    # after my save, my next save is mine to make again
    edits.edit_text(mine, mine[0].id, "more of my work")
    save_project(mine, p)


def test_a_touched_but_unchanged_project_is_not_a_conflict(tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc_of("v1"), p)
    doc = load_project(p)
    later = time.time() + 100
    os.utime(p, (later, later))
    edits.edit_text(doc, doc[0].id, "mine")
    save_project(doc, p)
    assert "mine" in p.read_text("utf-8")


def test_a_deleted_project_is_simply_saved_again(tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc_of("v1"), p)
    doc = load_project(p)
    p.unlink()
    save_project(doc, p)
    assert p.is_file()


def test_recovered_work_remembers_what_its_project_was(tmp_path):
    p = tmp_path / "a.cueline"
    save_project(doc_of("v1"), p)
    doc = load_project(p)
    edits.edit_text(doc, doc[0].id, "unsaved")
    rec = write_recovery(doc, str(p), tmp_path / "rec")
    other = load_project(p)
    edits.edit_text(other, other[0].id, "saved by another window meanwhile")
    save_project(other, p)
    back = load_recovery(rec)
    assert back.path == str(p)
    with pytest.raises(ProjectChangedError):
        save_project(back, p)


def test_save_as_over_another_file_is_not_a_conflict(tmp_path):
    """The file dialog already asked about replacing an existing file."""
    a, b = tmp_path / "a.cueline", tmp_path / "b.cueline"
    save_project(doc_of("a"), a)
    save_project(doc_of("b"), b)
    doc = load_project(a)
    save_project(doc, b)
    assert load_project(b)[0].text == "a"
    assert projects.load_project(a).path == str(a)


def test_a_killed_autosave_leaves_nothing_behind_after_the_next_start(tmp_path):
    """A session killed during its first autosave leaves only a temporary: the recovery scan
    at the next start sweeps it (nobody would ever save that key again)."""
    rec = tmp_path / "rec"
    rec.mkdir()
    orphan = rec / ".autosave-0123456789abcdef.cueline.k1ll3d_0.tmp"
    orphan.write_bytes(b"{" * 100)
    unrelated = rec / "notes.tmp"
    unrelated.write_text("x")
    assert projects.scan_recoveries(rec).found == []
    assert not orphan.exists() and unrelated.exists()
