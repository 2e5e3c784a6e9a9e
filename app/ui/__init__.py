"""app.ui: everything Qt (PySide6) lives here, on top of the Qt-free core."""

from app.ui._refcount import protect_singletons

protect_singletons()
