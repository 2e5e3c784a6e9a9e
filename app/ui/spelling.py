"""Spell checking in the editor: the chosen language's :class:`~app.subtitles.spelling.Speller`,
the red wavy underline in the segment panel (a QSyntaxHighlighter) and in the table's text
column (the delegate paints it), and the context menu with suggestions, *Add to dictionary*,
*Ignore* (this session) and *Ignore in this project* (kept in the project file, undoable).

Known words also include the project's vocabulary: the names and jargon given to the
transcribe dialog (its *Context* box, kept in the settings as ``transcribe/context``) and the
project's own list (``doc.meta["vocabulary"]`` when a project has one).

The language is the setting ``spelling/language``: ``auto`` (the document's language, else
the profile's, else English), a language code, or ``off``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QColor, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QMenu

from app.ui import settings
from app.ui.segment_table_view import TextDelegate

if TYPE_CHECKING:
    from app.subtitles.spelling import Misspelling, Speller
    from app.ui.session import EditorSession

AUTO = "auto"
OFF = "off"
PROJECT_IGNORE_KEY = "spell_ignore"
UNDERLINE = QColor(226, 40, 40)


def language_setting() -> str:
    return str(settings.get("spelling/language", AUTO) or AUTO)


class SpellingController(QObject):
    """The session's spell checker; ``changed`` when what counts as misspelled changes."""

    changed = Signal()

    def __init__(self, session: EditorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.speller: Speller | None = None
        self.error: str | None = None
        self._key: tuple | None = None
        session.document_reset.connect(self.refresh)
        session.profile_changed.connect(self.refresh)
        session.committed.connect(self._on_session_committed)
        self.refresh()

    # -- which language ------------------------------------------------------------------------
    def wanted_language(self) -> str | None:
        from app.subtitles.spelling import base_language

        choice = language_setting()
        if choice == OFF:
            return None
        if choice != AUTO:
            return base_language(choice)
        doc_lang = self.session.doc.meta.get("language")
        prof_lang = getattr(self.session.profile, "language", None)
        return base_language(doc_lang) or base_language(prof_lang) or "en"

    def known_words(self) -> set[str]:
        from app.subtitles.spelling import vocabulary_words

        meta = self.session.doc.meta
        words = vocabulary_words(settings.get("transcribe/context", "") or "")
        words |= vocabulary_words(str(meta.get("vocabulary") or ""))
        words |= {str(w).lower() for w in meta.get(PROJECT_IGNORE_KEY) or []}
        return words

    def refresh(self) -> None:
        """Load the language's dictionary (once) and the known words; say if they changed."""
        from app.subtitles.spelling import Speller, SpellingError

        lang = self.wanted_language()
        known = self.known_words()
        key = (lang, frozenset(known))
        if key == self._key:
            return
        self._key = key
        self.error = None
        if lang is None:
            self.speller = None
        else:
            try:
                if self.speller is None or self.speller.language != lang:
                    self.speller = Speller(lang, known)
                else:
                    self.speller.set_known(known)
            except SpellingError as exc:
                self.speller = None
                self.error = exc.user_message
        self.changed.emit()

    def _on_session_committed(self, _name: str) -> None:
        if self._key is not None and (self._key[1] != frozenset(self.known_words())
                                      or self._key[0] != self.wanted_language()):
            self.refresh()

    @property
    def language(self) -> str | None:
        return self.speller.language if self.speller is not None else None

    # -- checking ------------------------------------------------------------------------------
    def misspellings(self, text: str) -> tuple[Misspelling, ...]:
        if self.speller is None or not text:
            return ()
        return self.speller.misspellings(text)

    def at(self, text: str, offset: int) -> Misspelling | None:
        """The misspelled word at character ``offset`` of ``text``."""
        for m in self.misspellings(text):
            if m.start <= offset <= m.end:
                return m
        return None

    # -- the user's answers --------------------------------------------------------------------
    def add_to_dictionary(self, word: str) -> None:
        if self.speller is not None:
            self.speller.add_to_dictionary(word)
            self.changed.emit()

    def ignore(self, word: str) -> None:
        if self.speller is not None:
            self.speller.ignore(word)
            self.changed.emit()

    def ignore_in_project(self, word: str) -> None:
        doc = self.session.doc
        words = list(doc.meta.get(PROJECT_IGNORE_KEY) or [])
        if word.lower() not in {w.lower() for w in words}:
            with doc.transaction(f"Ignore spelling of {word!r}"):
                doc.set_meta(PROJECT_IGNORE_KEY, sorted(words + [word], key=str.lower))
        self.refresh()

    def fill_menu(self, menu: QMenu, m: Misspelling, replace: Callable[[str], None]) -> None:
        """Suggestions (each replaces the word through ``replace``) and the three answers, at
        the top of ``menu``."""
        first = menu.actions()[0] if menu.actions() else None
        acts: list[QAction] = []

        def act(text: str, slot: Callable[[], None] | None = None, bold: bool = False) -> QAction:
            a = QAction(text, menu)
            if bold:
                f = a.font()
                f.setBold(True)
                a.setFont(f)
            if slot is None:
                a.setEnabled(False)
            else:
                a.triggered.connect(lambda _c=False: slot())
            acts.append(a)
            return a

        def separator() -> None:
            a = QAction(menu)
            a.setSeparator(True)
            acts.append(a)

        suggestions = self.speller.suggestions(m.word) if self.speller is not None else []
        for s in suggestions:
            act(s, lambda s=s: replace(s), bold=True)
        if not suggestions:
            act("(no suggestions)")
        separator()
        act(f"Add “{m.word}” to dictionary", lambda: self.add_to_dictionary(m.word))
        act("Ignore (this session)", lambda: self.ignore(m.word))
        act("Ignore in this project", lambda: self.ignore_in_project(m.word))
        if first is not None:
            separator()
        menu.insertActions(first, acts)


def misspelled_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    fmt.setUnderlineColor(UNDERLINE)
    return fmt


class SpellingHighlighter(QSyntaxHighlighter):
    """Red wavy underline under the unknown words of a text field (one block per line: the
    offsets are those of the whole text, so each block checks its own line)."""

    def __init__(self, document, spelling: SpellingController) -> None:
        super().__init__(document)
        self.spelling = spelling
        self._fmt = misspelled_format()
        spelling.changed.connect(self.rehighlight)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        for m in self.spelling.misspellings(text):
            self.setFormat(m.start, m.end - m.start, self._fmt)


def wavy_path(x0: float, x1: float, y: float, amp: float = 1.5, step: float = 3.0):
    """A zig-zag line from ``x0`` to ``x1`` at ``y`` (the spell-check underline)."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainterPath

    path = QPainterPath(QPointF(x0, y))
    x, up = x0, True
    while x < x1:
        x = min(x1, x + step)
        path.lineTo(QPointF(x, y - amp if up else y + amp))
        up = not up
    return path


class SpellingDelegate(TextDelegate):
    """The table's text cells, with the unknown words underlined; :meth:`offset_at` maps a
    mouse position back to a character of the shown text (for the context menu)."""

    TEXT_MARGIN = 4  # px the style leaves before the text of a cell (Fusion, Breeze: 3-4)

    def __init__(self, parent, spelling: SpellingController) -> None:
        super().__init__(parent)
        self.spelling = spelling

    def paint(self, painter, option, index) -> None:  # noqa: D401 - Qt override
        super().paint(painter, option, index)
        shown = index.data()
        if not shown or self.spelling.speller is None:
            return
        found = self.spelling.misspellings(shown)
        if not found:
            return
        from PySide6.QtGui import QFontMetricsF, QPen

        fm = QFontMetricsF(option.font)
        r = option.rect
        x0 = r.left() + self.TEXT_MARGIN
        y = r.top() + (r.height() + fm.height()) / 2 - fm.descent() + 2
        painter.save()
        painter.setClipRect(r)
        painter.setPen(QPen(UNDERLINE, 1))
        for m in found:
            a = x0 + fm.horizontalAdvance(shown[:m.start])
            if a > r.right():
                break
            b = min(x0 + fm.horizontalAdvance(shown[:m.end]), r.right())
            painter.drawPath(wavy_path(a, b, y))
        painter.restore()

    def offset_at(self, option_rect, font, shown: str, x: float) -> int:
        from PySide6.QtGui import QFontMetricsF

        fm = QFontMetricsF(font)
        rel = x - option_rect.left() - self.TEXT_MARGIN
        for i in range(len(shown) + 1):
            if fm.horizontalAdvance(shown[:i]) > rel:
                return max(0, i - 1)
        return len(shown)
