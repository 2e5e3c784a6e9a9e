"""Where text may be broken: punctuation, and small word tables per language.

Line-break rules of subtitling: break after punctuation or before a conjunction or
preposition; never separate an article from its noun, an adjective from its noun, a first
name from a last name, a pronoun from its verb, an auxiliary or negation from its verb.
Without a part-of-speech tagger these are approximated with word lists (English, plus short
tables for French, Spanish, German, Italian and Portuguese) and generic rules for the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.core.words import is_cjk_char

_CLOSERS = "\"'”’»)]}」』】〉》›"
_SENTENCE_RE = re.compile(r"[.!?…。！？‼⁇⁈⁉‽]+[" + re.escape(_CLOSERS) + r"]*$")
_CLAUSE_RE = re.compile(r"[,;:、，；：—–]+[" + re.escape(_CLOSERS) + r"]*$")
_DASHES = {"-", "--", "—", "–", "―"}
_OPENERS = set("\"'“‘«([{「『【〈《‹¿¡")
_EDGE_PUNCT = "\"'“”‘’«»()[]{}¿¡.,;:!?…"


@dataclass(frozen=True)
class Lexicon:
    """Function words of one language, lower case."""

    determiners: frozenset[str]  # articles, demonstratives, possessives, quantifiers
    prepositions: frozenset[str]
    conjunctions: frozenset[str]
    pronouns: frozenset[str]  # subject pronouns (kept with their verb)
    auxiliaries: frozenset[str]  # auxiliaries and modals (kept with their verb)
    negations: frozenset[str]
    adjectives: frozenset[str] = frozenset()
    adjective_suffixes: tuple[str, ...] = ()
    abbreviations: frozenset[str] = frozenset()  # words ending in "." that end no sentence

    @property
    def function_words(self) -> frozenset[str]:
        return (self.determiners | self.prepositions | self.conjunctions | self.pronouns
                | self.auxiliaries | self.negations)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = Lexicon(
    determiners=_words(
        "a an the this these those my your his her its our their some any no every each "
        "either neither another such what whatever which whose all both half several few many "
        "much more most less least enough"
    ),
    prepositions=_words(
        "about above across after against along amid among around at before behind below "
        "beneath beside besides between beyond by despite down during except for from in inside "
        "into like near of off on onto out outside over past per since through throughout till "
        "to toward towards under underneath unlike until up upon via with within without"
    ),
    conjunctions=_words(
        "and but or nor so yet because although though while whereas when whenever where "
        "wherever if unless whether than as once that which who whom"
    ),
    pronouns=_words("i he she we they i'm you're he's she's it's we're they're"),
    auxiliaries=_words(
        "am is are was were be been being have has had do does did will would shall should "
        "can could may might must i'll you'll we'll they'll i've you've we've they've i'd "
        "you'd he'd she'd we'd they'd"
    ),
    negations=_words("not n't never"),
    adjectives=_words(
        "good new first last long great little own other old right big high different small "
        "large next early young important public bad same able free full sure real best better "
        "whole true clear hard major strong possible special low late short easy fine nice "
        "beautiful happy dark white black red green blue open final main single huge poor "
        "common simple local social human private deep wrong hot cold warm dear entire "
        "particular recent certain close central general political national natural"
    ),
    adjective_suffixes=("ful", "ous", "ive", "able", "ible", "less", "ish", "ical"),
    abbreviations=_words(
        "mr. mrs. ms. dr. prof. st. jr. sr. vs. etc. e.g. i.e. no. mt. ft. approx. dept. co. inc."
    ),
)

FRENCH = Lexicon(
    determiners=_words(
        "le la les l' un une des du de d' ce cet cette ces mon ma mes ton ta tes son sa ses "
        "notre nos votre vos leur leurs chaque quelques plusieurs aucun aucune tout toute tous "
        "toutes"
    ),
    prepositions=_words(
        "à au aux avec chez dans de depuis derrière devant en entre jusqu'à malgré par pendant "
        "pour près sans selon sous sur vers"
    ),
    conjunctions=_words("et mais ou donc or ni car que qui quand si comme puisque lorsque"),
    pronouns=_words("je j' tu il elle on nous vous ils elles"),
    auxiliaries=_words("suis es est sommes êtes sont ai as avons avez ont était avait va vais"),
    negations=_words("ne n' pas"),
    abbreviations=_words("m. mme. mlle. dr. etc."),
)

SPANISH = Lexicon(
    determiners=_words(
        "el la los las un una unos unas lo este esta estos estas ese esa esos esas mi mis tu "
        "tus su sus nuestro nuestra nuestros nuestras cada algún alguna algunos algunas"
    ),
    prepositions=_words(
        "a al ante bajo con contra de del desde durante en entre hacia hasta mediante para "
        "por según sin sobre tras"
    ),
    conjunctions=_words("y e o u pero sino ni que porque cuando si como aunque mientras"),
    pronouns=_words("yo tú él ella nosotros nosotras vosotros ellos ellas usted ustedes"),
    auxiliaries=_words("he has ha hemos han había era es son está están fue voy va van"),
    negations=_words("no"),
    abbreviations=_words("sr. sra. srta. dr. dra. etc."),
)

GERMAN = Lexicon(
    determiners=_words(
        "der die das den dem des ein eine einen einem einer eines mein meine meinen dein deine "
        "sein seine ihr ihre unser unsere euer jeder jede jedes dieser diese dieses kein keine"
    ),
    prepositions=_words(
        "an auf aus bei bis durch für gegen hinter in mit nach neben ohne über um unter von "
        "vor während wegen zu zum zur zwischen am im ans ins vom beim"
    ),
    conjunctions=_words("und aber oder denn sondern dass weil wenn als ob obwohl während damit"),
    pronouns=_words("ich du er sie es wir ihr"),
    auxiliaries=_words("bin bist ist sind seid war waren habe hast hat haben hatte wird werden"),
    negations=_words("nicht"),
    abbreviations=_words("hr. fr. dr. z.b. usw. bzw."),
)

ITALIAN = Lexicon(
    determiners=_words(
        "il lo la i gli le un uno una un' l' questo questa questi queste quel quella mio mia "
        "miei mie tuo tua suo sua nostro nostra ogni"
    ),
    prepositions=_words(
        "a al allo alla ai agli alle da dal dalla di del dello della dei degli delle in nel "
        "nella con su sul sulla per tra fra"
    ),
    conjunctions=_words("e ed o ma però che perché quando se come mentre"),
    pronouns=_words("io tu lui lei noi voi loro"),
    auxiliaries=_words("sono sei è siamo siete ho hai ha abbiamo avete hanno era"),
    negations=_words("non"),
)

PORTUGUESE = Lexicon(
    determiners=_words(
        "o a os as um uma uns umas este esta estes estas esse essa meu minha meus minhas seu "
        "sua seus suas cada"
    ),
    prepositions=_words(
        "a ao aos à às de do da dos das em no na nos nas por pelo pela para com sem sobre "
        "entre até"
    ),
    conjunctions=_words("e ou mas porque que quando se como embora enquanto"),
    pronouns=_words("eu tu ele ela nós vós eles elas você vocês"),
    auxiliaries=_words("sou é somos são era foi tenho tem temos têm estou está estão vou vai"),
    negations=_words("não"),
)

LEXICONS: dict[str, Lexicon] = {
    "en": ENGLISH, "fr": FRENCH, "es": SPANISH, "de": GERMAN, "it": ITALIAN, "pt": PORTUGUESE,
}


def lexicon_for(language: str | None, cjk: bool = False) -> Lexicon | None:
    """The word table for a language code (``"en"``, ``"en-US"``); English when unknown and
    the text is not CJK; ``None`` (generic rules only) for other languages."""
    if cjk:
        return None
    if not language:
        return ENGLISH
    return LEXICONS.get(language.lower().replace("_", "-").split("-")[0])


@dataclass(frozen=True, slots=True)
class Boundary:
    """What lies between two words, for deciding whether to break there."""

    sentence: bool = False  # the word before ends a sentence
    clause: bool = False  # the word before ends with clause punctuation (, ; : —)
    link: bool = False  # the word after is a conjunction or preposition (break before it)
    glue: float = 0.0  # the cost of separating the two words (article + noun, name, ...)


def _core(word: str) -> str:
    return word.strip(_EDGE_PUNCT).lower()


def _is_punct_only(word: str) -> bool:
    return all(unicodedata.category(c)[0] in "PS" for c in word)


def _is_capitalised(word: str) -> bool:
    core = word.strip(_EDGE_PUNCT)
    return (len(core) >= 2 and core[0].isupper() and any(c.islower() for c in core[1:])
            and core.replace("-", "").replace("'", "").isalpha())


def ends_sentence(word: str, lex: Lexicon | None = None) -> bool:
    if not _SENTENCE_RE.search(word):
        return False
    if lex and word.lower().strip(_CLOSERS) in lex.abbreviations:
        return False
    return True


def ends_clause(word: str) -> bool:
    return bool(_CLAUSE_RE.search(word)) or word in _DASHES


_SMALL_KANA = set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー々ゝゞヽヾ")


def _script(ch: str) -> str:
    cp = ord(ch)
    if 0x3040 <= cp <= 0x309F:
        return "hiragana"
    if 0x30A0 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF:
        return "katakana"
    if is_cjk_char(ch):
        return "han"
    return "other"


def _cjk_boundary(prev: str, nxt: str) -> Boundary:
    """Generic rules for text without spaces (and a few for Japanese kana)."""
    sentence = ends_sentence(prev)
    clause = not sentence and ends_clause(prev)
    if nxt[:1] in _SMALL_KANA or (_is_punct_only(nxt) and nxt[0] not in _OPENERS):
        return Boundary(sentence, clause, False, 60.0)  # no line may start with these
    if all(c in _OPENERS for c in prev):
        return Boundary(sentence, clause, False, 60.0)
    if sentence or clause:
        return Boundary(sentence, clause, False, 0.0)
    a, b = _script(prev[-1]), _script(nxt[0])
    glue = 0.0
    link = False
    if a == "han" and b == "hiragana":
        glue = 20.0  # a kanji and its okurigana or particle
    elif a == b == "katakana" or (a == b == "other" and prev[-1].isalnum() and nxt[0].isalnum()):
        glue = 20.0  # inside a katakana or Latin word
    elif a == "hiragana" and b in ("han", "katakana"):
        link = True  # after a particle or verb ending, before a new word
    elif a == b == "hiragana":
        glue = 10.0  # verb endings, particles
    elif a == b == "han":
        glue = 5.0
    return Boundary(False, False, link, glue)


def boundaries(texts: list[str], language: str | None = None, cjk: bool | None = None) -> list[Boundary]:
    """``result[k]`` describes the place between ``texts[k-1]`` and ``texts[k]``.

    ``result[0]`` is a neutral boundary (the place before the first word).  ``cjk`` says the
    text is written without spaces; by default it is guessed from the words.
    """
    if cjk is None:
        cjk = sum(1 for t in texts for c in t if is_cjk_char(c)) * 2 > sum(len(t) for t in texts)
    lex = lexicon_for(language, cjk)
    out = [Boundary()]
    for k in range(1, len(texts)):
        prev, nxt = texts[k - 1], texts[k]
        if cjk and (is_cjk_char(prev[-1]) or is_cjk_char(nxt[0])):
            out.append(_cjk_boundary(prev, nxt))
            continue
        sentence_start = k == 1 or ends_sentence(texts[k - 2], lex)
        out.append(_boundary(prev, nxt, lex, sentence_start))
    return out


def _boundary(prev: str, nxt: str, lex: Lexicon | None, prev_starts_sentence: bool) -> Boundary:
    sentence = ends_sentence(prev, lex)
    clause = not sentence and ends_clause(prev)
    glue = 0.0
    if _is_punct_only(nxt) and nxt not in _DASHES and nxt[0] not in _OPENERS:
        glue = 60.0  # a lone "?" or ")" belongs to the word before it
    elif all(c in _OPENERS for c in prev):
        glue = 60.0  # a lone opening quote or bracket belongs to the word after it
    if sentence or clause:
        return Boundary(sentence=sentence, clause=clause, link=False, glue=glue)
    link = False
    if lex is not None:
        p, n = _core(prev), _core(nxt)
        link = nxt[:1].islower() and (n in lex.conjunctions or n in lex.prepositions)
        if p in lex.determiners:
            glue = max(glue, 40.0)
        elif p in lex.prepositions:
            glue = max(glue, 25.0)
        elif p in lex.conjunctions:
            glue = max(glue, 20.0)
        elif p in lex.pronouns or p in lex.auxiliaries:
            glue = max(glue, 15.0)
        if n in lex.negations or n.endswith("n't"):
            glue = max(glue, 15.0)
        if (n.isalpha() and nxt[:1].islower() and n not in lex.function_words
                and (p in lex.adjectives or (len(p) >= 6 and p.endswith(lex.adjective_suffixes)))):
            glue = max(glue, 20.0)  # adjective + noun
        if any(c.isdigit() for c in prev) and n.isalpha() and nxt[:1].islower():
            glue = max(glue, 15.0)  # number + unit
    if (not prev_starts_sentence and _is_capitalised(prev) and _is_capitalised(nxt)
            and prev[-1].isalpha()):
        glue = max(glue, 40.0)  # first name + last name
    return Boundary(sentence=False, clause=False, link=link, glue=glue)
