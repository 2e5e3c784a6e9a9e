"""packaging/system-deps.sh: installs missing Debian packages as root, through sudo when it needs
no password, and otherwise stops with the exact command to run.  The system's dpkg-query, apt-get,
id and sudo are replaced by stubs on PATH that record what they were asked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "system-deps.sh"


def stub_bin(tmp_path: Path, *, uid: int, installed: set[str], sudo: str | None) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.log"
    state = tmp_path / "installed"
    state.write_text("\n".join(sorted(installed)) + "\n")

    def put(name: str, body: str) -> None:
        p = bindir / name
        p.write_text("#!/bin/bash\n" + body)
        p.chmod(0o755)

    put("id", f'[ "$1" = "-u" ] && echo {uid} || /usr/bin/id "$@"\n')
    put("dpkg", "exit 0\n")
    put("dpkg-query", f'pkg="${{@: -1}}"; grep -qx "$pkg" {state} && printf "install ok installed"'
                      f' || exit 1\n')
    put("apt-get", f'echo "apt-get $*" >> {log}\n'
                   f'if [ "$1" = install ]; then for a in "$@"; do case "$a" in -*|install) ;; '
                   f'*) echo "$a" >> {state};; esac; done; fi\n')
    if sudo == "nopasswd":
        put("sudo", f'echo "sudo $*" >> {log}\n[ "$1" = -n ] && shift\n'
                    f'[ "$1" = true ] && exit 0\nexec "$@"\n')
    elif sudo == "password":
        put("sudo", "exit 1\n")
    for tool in ("bash", "grep", "printf", "cat", "env", "sed", "sort"):
        real = shutil.which(tool)
        if real and not (bindir / tool).exists():
            (bindir / tool).symlink_to(real)
    return bindir


def run(tmp_path: Path, bindir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(bindir), "HOME": str(tmp_path)}
    return subprocess.run([str(bindir / "bash"), str(SCRIPT), *args], env=env, text=True,
                          capture_output=True, timeout=60)


def packages(set_name: str) -> list[str]:
    out = subprocess.run(["bash", str(SCRIPT), "--list", set_name], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


def test_sets_name_what_the_editor_and_the_tests_need():
    run_set, test_set = packages("run"), packages("test")
    assert {"libportaudio2", "libpulse0", "libxcb-cursor0"} <= set(run_set)
    assert set(run_set) < set(test_set)
    assert {"espeak-ng", "sox", "xvfb", "imagemagick", "xdotool"} <= set(test_set)


def test_nothing_missing_does_nothing(tmp_path):
    bindir = stub_bin(tmp_path, uid=1000, installed=set(packages("test")), sudo=None)
    r = run(tmp_path, bindir, "test")
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "calls.log").exists()


def test_root_installs_the_missing_ones_only(tmp_path):
    have = set(packages("run"))
    bindir = stub_bin(tmp_path, uid=0, installed=have, sudo=None)
    r = run(tmp_path, bindir, "test")
    assert r.returncode == 0, r.stderr
    calls = (tmp_path / "calls.log").read_text()
    assert "apt-get install" in calls and "espeak-ng" in calls
    assert "libportaudio2" not in calls
    assert "sudo" not in calls


def test_user_with_passwordless_sudo_installs_through_sudo(tmp_path):
    bindir = stub_bin(tmp_path, uid=1000, installed=set(), sudo="nopasswd")
    r = run(tmp_path, bindir, "run")
    assert r.returncode == 0, r.stderr
    calls = (tmp_path / "calls.log").read_text()
    assert "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install" in calls


@pytest.mark.parametrize("sudo", [None, "password"])
def test_user_without_root_gets_the_exact_command(tmp_path, sudo):
    bindir = stub_bin(tmp_path, uid=1000, installed=set(packages("run")) - {"libpulse0"}, sudo=sudo)
    r = run(tmp_path, bindir, "run")
    assert r.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends libpulse0" in r.stderr
    assert not (tmp_path / "calls.log").exists()


def test_the_makefile_and_ci_use_the_script():
    root = SCRIPT.parents[1]
    make = (root / "Makefile").read_text()
    assert "system-deps.sh run" in make and "system-deps.sh test" in make
    assert "system-deps.sh" in (root / ".ci" / "run").read_text()
    assert os.access(SCRIPT, os.X_OK)
