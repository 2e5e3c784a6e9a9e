"""Keep ``None``, ``True`` and ``False`` alive under PySide6 6.12 on Python < 3.12.

shiboken6 6.12.0 returns ``None`` (every void Qt method) and ``True``/``False`` (``emit``,
some bool results) without a new reference, as if they were immortal, which they are only
from Python 3.12 on.  On 3.11 each such call drops one reference: after a few thousand Qt
calls CPython aborts with "Fatal Python error: none_dealloc: deallocating None".  Giving the
three singletons a huge reference count (what Python 3.12 does for immortal objects) makes the
lost references harmless; they are statically allocated and never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

IMMORTAL_REFS = 1 << 60


def protect_singletons() -> bool:
    """Make the singletons effectively immortal; True when it was needed and done."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    done = False
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))
        if count.value < IMMORTAL_REFS // 2:
            count.value += IMMORTAL_REFS
            done = True
    return done
