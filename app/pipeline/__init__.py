"""Transcription jobs without Qt: media -> chunks -> engine -> cleaned, word-timed segments.

Entry points: :func:`app.pipeline.transcribe.transcribe_file` and
:func:`~app.pipeline.transcribe.transcribe_samples`; options and results are in
:mod:`app.pipeline.types`.
"""
