"""Cueline: a subtitle editor with offline speech recognition and forced alignment."""

__version__ = "0.1.0"
