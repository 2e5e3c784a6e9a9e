"""Voice profiles: a speaker named once is recognised in later files.

A profile is the mean voice embedding (256 numbers, :mod:`app.engines.voice`) of everything a
named speaker said, stored in the user's data folder (``platformdirs.user_data_dir("cueline")
/ "voices"``, or ``$CUELINE_VOICES_DIR``) as ``<id>.json`` (name, when, how much speech) plus
``<id>.npy`` (the embedding).  Saving the same name again averages the new voice in, weighted
by speech time.  Profiles never go into exports or project files: a document only ever holds
the speaker's *name*.

Matching: a detected speaker takes a profile's name when their voices' cosine similarity is at
least :data:`MATCH_SIMILARITY`; each profile names at most one speaker and the best pairs win
(Hungarian method).  Measured on the test voices (espeak-ng variants, JFK, the stereo
interview; see the closing note of issue 15): the same voice in another file scores 0.963 to
0.996, different voices 0.47 to 0.77.  Real voices vary more between recordings than
synthesised ones, so the threshold sits low in that gap.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.atomic import atomic_write_bytes

ENV_DIR = "CUELINE_VOICES_DIR"
MATCH_SIMILARITY = 0.82


class ProfileStoreError(OSError):
    """The voice profile folder cannot be read or written."""


@dataclass(frozen=True)
class VoiceProfile:
    id: str
    name: str
    embedding: np.ndarray
    speech_s: float = 0.0
    created: float = 0.0
    updated: float = 0.0


def voices_dir() -> Path:
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("cueline")) / "voices"


def _slug(name: str) -> str:
    s = re.sub(r"[^\w-]+", "-", name.strip().lower()).strip("-")[:40]
    return f"{s or 'voice'}-{uuid.uuid4().hex[:6]}"


def list_profiles(folder: Path | None = None) -> list[VoiceProfile]:
    """Every readable profile, by name; damaged ones are skipped."""
    folder = folder or voices_dir()
    out: list[VoiceProfile] = []
    if not folder.is_dir():
        return out
    for meta_path in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            emb = np.load(meta_path.with_suffix(".npy"), allow_pickle=False)
        except (OSError, ValueError):
            continue
        if emb.shape != (256,) or not isinstance(meta.get("name"), str):
            continue
        out.append(VoiceProfile(meta_path.stem, meta["name"], emb.astype(np.float32),
                                float(meta.get("speech_s", 0.0)), float(meta.get("created", 0)),
                                float(meta.get("updated", 0))))
    return sorted(out, key=lambda p: p.name.lower())


def save_profile(name: str, embedding: np.ndarray, speech_s: float = 0.0,
                 folder: Path | None = None) -> VoiceProfile:
    """Store (or, for a name already saved, update) the voice of ``name``."""
    name = name.strip()
    if not name:
        raise ValueError("a voice profile needs a name")
    emb = np.asarray(embedding, dtype=np.float32).reshape(-1)
    if emb.shape != (256,) or not np.all(np.isfinite(emb)):
        raise ValueError("a voice embedding is 256 finite numbers")
    folder = folder or voices_dir()
    now = time.time()
    existing = next((p for p in list_profiles(folder) if p.name == name), None)
    created = now
    if existing is not None:
        total = existing.speech_s + speech_s
        w = existing.speech_s / total if total > 0 else 0.5
        emb = w * existing.embedding + (1 - w) * emb
        speech_s, pid, created = total, existing.id, existing.created
    else:
        pid = _slug(name)
    emb = emb / max(float(np.linalg.norm(emb)), 1e-9)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.save(buf, emb.astype(np.float32), allow_pickle=False)
        atomic_write_bytes(folder / f"{pid}.npy", buf.getvalue(), backup=False)
        meta = {"name": name, "speech_s": round(speech_s, 1), "created": created, "updated": now,
                "encoder": "resemblyzer-ge2e"}
        atomic_write_bytes(folder / f"{pid}.json",
                           json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
                           backup=False)
    except OSError as exc:
        raise ProfileStoreError(f"cannot save the voice of {name} in {folder}: "
                                f"{exc.strerror or exc}") from exc
    return VoiceProfile(pid, name, emb.astype(np.float32), speech_s, created, now)


def delete_profile(profile_id: str, folder: Path | None = None) -> bool:
    folder = folder or voices_dir()
    found = False
    for ext in (".json", ".npy"):
        p = folder / f"{profile_id}{ext}"
        try:
            p.unlink()
            found = True
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ProfileStoreError(f"cannot delete {p}: {exc.strerror or exc}") from exc
    return found


def match_profiles(voices: np.ndarray, profiles: list[VoiceProfile],
                   threshold: float = MATCH_SIMILARITY) -> dict[int, str]:
    """Speaker index -> profile name, for speakers whose voice matches a profile."""
    from scipy.optimize import linear_sum_assignment

    if not len(voices) or not profiles:
        return {}
    p = np.stack([x.embedding for x in profiles])
    p = p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-9)
    sims = np.asarray(voices, dtype=np.float32) @ p.T
    rows, cols = linear_sum_assignment(-sims)
    return {int(r): profiles[c].name for r, c in zip(rows, cols, strict=True)
            if sims[r, c] >= threshold}
