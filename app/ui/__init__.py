"""app.ui: everything Qt (PySide6) lives here, on top of the Qt-free core."""
