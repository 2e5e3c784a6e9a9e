"""Where Cueline's bundled data files live, in a source checkout and in an installed wheel.

In the repository the data sits in ``resources/`` next to the ``app`` package; a wheel carries
the same folder as ``app/_resources`` (``pyproject.toml`` force-includes it there).  Any part
of Cueline can find a bundled file with :func:`resource_path`.
"""

from __future__ import annotations

from pathlib import Path

import app


def resource_roots() -> list[Path]:
    """The folders that may hold bundled resources, most specific first."""
    package_dir = Path(app.__file__).resolve().parent
    return [package_dir / "_resources", package_dir.parent / "resources"]


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("profiles", "bbc.json")``.

    Returns the first root where the path exists; when it exists nowhere, the path under the
    first root that exists at all (so the caller's "file not found" message names a sensible
    place).
    """
    roots = resource_roots()
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    for root in roots:
        if root.is_dir():
            return root.joinpath(*parts)
    return roots[-1].joinpath(*parts)
