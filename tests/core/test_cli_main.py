"""The `cueline` command's dispatcher: the editor needs a display, the subcommands do not."""

from __future__ import annotations

import sys

import pytest

from app.cli import EXIT_USER_ERROR, main


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is for Linux")
def test_editor_without_a_display_says_so_in_one_line(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a display" in err[0]


def test_unknown_file_for_a_subcommand_is_one_line(capsys, tmp_path):
    assert main(["convert", str(tmp_path / "missing.srt"), str(tmp_path / "out.vtt")]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cueline: error:") and "missing.srt" in err[0]
