"""Downloading models from the Hugging Face hub into Cueline's model folder.

Files are streamed one by one (only those a model needs), with progress in bytes and
cancellation every 256 KiB; a partial file (``.part``) is resumed on the next try, and each
large file is checked against the sha256 the hub lists.  Without network the error says so.
:func:`ensure_model` is "the local folder, downloading it when allowed"; where models live is
:mod:`app.engines.models`, which never downloads.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.cancel import Cancelled, CancelToken, Progress
from app.engines.catalogue import CATALOGUE, HF_FILES, WHISPER_FILES, find_model
from app.engines.errors import ModelError
from app.engines.models import (
    bundled_path,
    download_folder,
    installed_path,
    looks_like_path,
    resolve_model,
    sha256_file,
)

_DOWNLOAD_BLOCK = 1 << 18  # progress and cancellation every 256 KiB


def _offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _offline_error(name: str, repo: str, detail: str = "") -> ModelError:
    why = f" ({detail})" if detail else ""
    return ModelError(
        f"cannot download model '{name}' from huggingface.co/{repo}: no network connection"
        f"{why}; connect to the internet or copy the model folder to this computer and pass "
        "its path")


def download_model(name: str, progress: Callable[[Progress], None] | None = None,
                   cancel: CancelToken | None = None, endpoint: str | None = None) -> Path:
    """Download a catalogue model (or hub repo ``owner/name``) and return its folder.

    Progress is reported in bytes.  A cancelled download raises :class:`Cancelled` and keeps
    its partial files so the next try resumes.  Without network, raises :class:`ModelError`.
    ``endpoint``: another hub than huggingface.co (a mirror).
    """
    info = find_model(name)
    if info is None and name.count("/") != 1:
        raise ModelError(f"unknown model '{name}' (known models: {', '.join(CATALOGUE)})")
    if info is not None and info.bundled:
        return bundled_path(info.name)
    existing = installed_path(name)
    if existing is not None:
        return existing
    repos = info.repos if info is not None else (name,)
    patterns = info.files if info is not None else WHISPER_FILES + HF_FILES
    label = info.name if info is not None else name
    if _offline():
        raise _offline_error(label, repos[0], "HF_HUB_OFFLINE is set")
    last: Exception | None = None
    for repo in repos:
        try:
            return _download_repo(label, repo, patterns, progress, cancel, endpoint)
        except ModelError as exc:
            last = exc
            if "not found" not in str(exc):
                raise
    assert last is not None
    raise last


def ensure_model(name_or_path: str, download: bool = False,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: CancelToken | None = None, endpoint: str | None = None) -> Path:
    """:func:`resolve_model`, downloading a missing catalogue model when ``download``."""
    try:
        return resolve_model(name_or_path)
    except ModelError:
        text = str(name_or_path)
        if not download or looks_like_path(text) or \
                (find_model(text) is None and text.count("/") != 1):
            raise
    return download_model(str(name_or_path), progress, cancel, endpoint)


def _download_repo(label: str, repo: str, patterns: tuple[str, ...],
                   progress: Callable[[Progress], None] | None,
                   cancel: CancelToken | None, endpoint: str | None = None) -> Path:
    import requests
    from huggingface_hub import HfApi, hf_hub_url
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
    )
    from huggingface_hub.utils import build_hf_headers, get_session

    try:
        meta = HfApi(endpoint=endpoint).model_info(repo, files_metadata=True)
    except (GatedRepoError, RepositoryNotFoundError) as exc:
        raise ModelError(f"model repository '{repo}' not found or not accessible") from exc
    except (OfflineModeIsEnabled, requests.ConnectionError, requests.Timeout) as exc:
        raise _offline_error(label, repo) from exc
    except (HfHubHTTPError, OSError) as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status in (401, 404):
            raise ModelError(f"model repository '{repo}' not found or not accessible") from exc
        raise ModelError(f"cannot download model '{label}' from {repo}: {exc}") from exc
    files = [(s.rfilename, s.size or 0, _lfs_sha256(s.lfs))
             for s in (meta.siblings or [])
             if any(fnmatch.fnmatch(s.rfilename, p) for p in patterns)]
    if not any(f == "config.json" for f, _, _ in files):
        raise ModelError(f"'{repo}' is not a model Cueline can use (no config.json)")
    folder = download_folder(repo)
    folder.mkdir(parents=True, exist_ok=True)
    total = sum(size for _, size, _ in files)
    done = 0
    session = get_session()
    headers = build_hf_headers()
    try:
        for fname, size, sha in files:
            dest = folder / fname
            if dest.is_file() and dest.stat().st_size == size:
                done += size
                continue
            url = hf_hub_url(repo, fname, revision=meta.sha, endpoint=endpoint)
            done = _fetch(session, url, headers, dest, size, sha, done, total, label,
                          progress, cancel)
    except (OfflineModeIsEnabled, requests.ConnectionError, requests.Timeout) as exc:
        raise _offline_error(label, repo) from exc
    except requests.HTTPError as exc:
        raise ModelError(f"cannot download model '{label}' from {repo}: {exc}") from exc
    except OSError as exc:
        raise ModelError(f"cannot save model '{label}' in '{folder}': "
                         f"{exc.strerror or exc}") from exc
    (folder / ".complete").write_text(f"{repo}@{meta.sha}\n")
    return folder


def _lfs_sha256(lfs: Any) -> str | None:
    if lfs is None:
        return None
    return lfs.get("sha256") if isinstance(lfs, dict) else getattr(lfs, "sha256", None)


def _fetch(session: Any, url: str, headers: dict, dest: Path, size: int, sha: str | None,
           done: int, total: int, label: str, progress: Callable[[Progress], None] | None,
           cancel: CancelToken | None) -> int:
    """Stream one file into ``dest`` (resuming a ``.part``); returns the new byte count."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    if size and have > size:
        part.unlink()
        have = 0
    req_headers = dict(headers)
    if have:
        req_headers["Range"] = f"bytes={have}-"
    with session.get(url, headers=req_headers, stream=True, timeout=30) as resp:
        if resp.status_code == 416:
            have = 0
        resp.raise_for_status()
        mode = "ab" if have and resp.status_code == 206 else "wb"
        if mode == "wb":
            have = 0
        done += have
        with open(part, mode) as out:
            for block in resp.iter_content(_DOWNLOAD_BLOCK):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()
                out.write(block)
                done += len(block)
                if progress is not None:
                    progress(Progress(done, total, f"downloading {label}: {dest.name}"))
    if size and part.stat().st_size != size:
        got = part.stat().st_size
        part.unlink()
        raise ModelError(f"download of {dest.name} for model '{label}' was cut short "
                         f"({got} of {size} bytes); try again")
    if sha and sha256_file(part) != sha:
        part.unlink()
        raise ModelError(f"download of {dest.name} for model '{label}' is damaged "
                         "(checksum mismatch); try again")
    os.replace(part, dest)
    return done
