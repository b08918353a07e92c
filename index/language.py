"""Which language an article is written in: ISO 639-1 ("de", "zh"), or "und" when it cannot tell.

`detect_language(text, hint)` combines two witnesses:

- the page's own declaration (`<html lang>`, og:locale, a JSON/CSV `language` field), passed as
  `hint` and normalised by `normalise_language` ("en-GB", "pt_BR", "eng", "English" -> "en", "pt",
  "en", "en"; anything else is ignored);
- py3langid's naive Bayes classifier over byte n-grams, whose model ships inside the package
  (no download at run time), with probabilities (`norm_probs`: a softmax tempered by the text's
  length, so a short text is never "certain").

How they combine, and why (figures: bench/languages.py, bench/RESULTS.md "Language detection"):

- With no usable hint the detector decides, and a best guess below `MIN_CONFIDENCE` is "und".
- A hint is accepted unless the text contradicts it: at least `OVERRIDE_MIN_LETTERS` letters and
  the hinted language all but ruled out (probability < `HINT_FLOOR`). Declarations are usually
  right, and right exactly where the detector is weakest: between close relatives (Bosnian /
  Croatian / Serbian, Malay / Indonesian, Bokmål / Nynorsk), where the hinted language keeps a
  real probability and so is kept (a right hint: 100% on news-length texts, 99.95% on single
  sentences). What they get wrong is a site-wide template default (`<html lang="en">` on a German
  article): English then gets ~0 and the detector wins (a wrong "en" on every text costs nothing
  on news-length texts). A short text keeps its hint: too little evidence to contradict it.
- Empty or letterless text (numbers, punctuation, emoji) is "und"; too short text (< `MIN_LETTERS`)
  is its hint or "und"; a text mixing writing systems with none leading is "und" (or its hint)
  unless the detector is sure (see `MIN_SCRIPT_SHARE`).

Cost: the detector reads the first `SAMPLE_CHARS` characters (1,000 would gain 0.1 point on
news-length text, all of it between close relatives, at twice the cost), in two looks: the first
`FIRST_LOOK_CHARS` settle most texts (`_probabilities`); and it walks its n-gram automaton over every byte position at once with numpy
(`_FastIdentifier`) instead of py3langid's byte-by-byte Python loop: the same features and scores.
`detect_languages` does a whole batch in one pass, ~4x cheaper per article than py3langid's
own `classify`. The model loads once per process (~1 s) on first use and takes ~90 MB.

Languages: the detector is restricted to `LANGUAGES`, the model's 114 languages that have an
ISO 639-1 code: the others ("wuu", "ext", "zxx", ...) cannot be stored as ISO 639-1. On news-length
text the restriction neither gains nor loses (no text went to a removed label); a narrower set
would only move an unlisted language's articles onto its neighbours.
"""
from __future__ import annotations

import collections
import hashlib
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.language_codes import (  # noqa: F401  (re-exported: the detector's names)
    ISO_639_1,
    LANGUAGES,
    UNDETERMINED,
    language_name,
    normalise_language,
)

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier  # type: ignore[import-untyped]

# The detector reads this many characters from the start of the text (title, then body).
SAMPLE_CHARS = 500
# The detector's first look reads this many characters; what it settles is not read further
# (`_probabilities`): a declared text whose declared language comes first, an undeclared one whose
# best guess has at least SETTLED_CONFIDENCE (lower let a few texts opening in another language go
# wrong: bench/RESULTS.md).
FIRST_LOOK_CHARS = 200
SETTLED_CONFIDENCE = 0.9999
# Fewer letters than this (CJK characters count MIN_CJK_WEIGHT each): too short to detect.
MIN_LETTERS = 12
MIN_CJK_WEIGHT = 3
# Text whose main writing system has less than this share of its letters mixes scripts with none
# leading (Chinese, Arabic and Russian paragraphs in a row): byte n-grams then favour a third
# language that mixes scripts in the model's training data (Tajik, 0.69), so such a text is "und"
# unless the detector is sure (>= OVERRIDE_CONFIDENCE: an Urdu or Hindi page with English menus).
MIN_SCRIPT_SHARE = 0.6
# Without a hint, a best guess below this probability is "und".
MIN_CONFIDENCE = 0.5
# A hint gives way only on a long text (letters) that leaves its language less than HINT_FLOOR
# (a language the detector doesn't know: only to a guess of at least OVERRIDE_CONFIDENCE).
OVERRIDE_MIN_LETTERS = 60
OVERRIDE_CONFIDENCE = 0.9
HINT_FLOOR = 0.01
# A group of texts (a file) whose determined texts are at least this share one language, and at
# least this many, lends it to its texts the detector cannot settle (`_settle_by_group`).
GROUP_MAIN_SHARE = 0.9
GROUP_MIN_TEXTS = 5

# Where letters are in Unicode, by writing system (first, last code point, script). Everything else
# (digits, punctuation, symbols, emoji, spaces) is not a letter here. Chinese, Japanese and Korean
# share one entry: a Japanese text mixes kanji and kana, a Korean one may carry hanja.
_SCRIPTS = (
    (0x41, 0x5A, "latin"), (0x61, 0x7A, "latin"), (0xC0, 0xD6, "latin"), (0xD8, 0xF6, "latin"),
    (0xF8, 0x24F, "latin"), (0x370, 0x3FF, "greek"), (0x400, 0x52F, "cyrillic"), (0x531, 0x58F, "armenian"),
    (0x591, 0x5F4, "hebrew"), (0x600, 0x6FF, "arabic"), (0x750, 0x77F, "arabic"), (0x8A0, 0x8FF, "arabic"),
    (0x900, 0x97F, "devanagari"), (0x980, 0x9FF, "bengali"), (0xA00, 0xA7F, "gurmukhi"),
    (0xA80, 0xAFF, "gujarati"), (0xB00, 0xB7F, "oriya"), (0xB80, 0xBFF, "tamil"), (0xC00, 0xC7F, "telugu"),
    (0xC80, 0xCFF, "kannada"), (0xD00, 0xD7F, "malayalam"), (0xD80, 0xDFF, "sinhala"), (0xE00, 0xE7F, "thai"),
    (0xE80, 0xEFF, "lao"), (0xF00, 0xFFF, "tibetan"), (0x1000, 0x109F, "myanmar"), (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "cjk"), (0x1200, 0x139F, "ethiopic"), (0x1780, 0x17FF, "khmer"), (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"), (0x3040, 0x30FF, "cjk"), (0x3130, 0x318F, "cjk"), (0x3400, 0x4DBF, "cjk"),
    (0x4E00, 0x9FFF, "cjk"), (0xAC00, 0xD7AF, "cjk"), (0xF900, 0xFAFF, "cjk"), (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"), (0xFF21, 0xFF3A, "latin"), (0xFF41, 0xFF5A, "latin"), (0xFF66, 0xFF9F, "cjk"),
)
_SCRIPT_NAMES = ["", *sorted({name for _, _, name in _SCRIPTS})]  # 0: not a letter
# The script of every code point of the Basic Multilingual Plane (64 KB: one lookup per character).
_SCRIPT_OF = np.zeros(0x10000, dtype=np.uint8)
for _first, _last, _name in _SCRIPTS:
    _SCRIPT_OF[_first:_last + 1] = _SCRIPT_NAMES.index(_name)
_SCRIPT_WEIGHTS = np.array([0] + [MIN_CJK_WEIGHT if name == "cjk" else 1 for name in _SCRIPT_NAMES[1:]])


def _letters(samples: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: how many letters it has (a CJK character weighing `MIN_CJK_WEIGHT`: it carries
    a word's worth), and the share of them in its main writing system."""
    points = np.frombuffer("".join(samples).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    owner = np.repeat(np.arange(len(samples)) * len(_SCRIPT_NAMES), [len(sample) for sample in samples])
    # Beyond the BMP (emoji, rare CJK): 0xFFFF, a non-character, hence not a letter.
    scripts = _SCRIPT_OF[np.minimum(points, 0xFFFF)]
    counts = np.bincount(owner + scripts, minlength=len(samples) * len(_SCRIPT_NAMES))
    counts = counts.reshape(len(samples), len(_SCRIPT_NAMES)) * _SCRIPT_WEIGHTS
    letters = counts.sum(axis=1)
    return letters, counts.max(axis=1) / np.maximum(letters, 1)


def detect_language(text: object, hint: object = None) -> str:
    """The ISO 639-1 code of the language `text` is written in, or "und" (see the module's doc).

    `hint` is the page's own declaration in any form `normalise_language` reads. Never raises on
    bad input: bytes are read as UTF-8, anything else that is not a string is "und".
    """
    return detect_languages([text], [hint])[0]


def detect_languages(texts: Sequence[object], hints: Sequence[object] | None = None,
                     groups: Sequence[object] | None = None) -> list[str]:
    """`detect_language` for many texts at once (`hints` in the same order, or None): the same
    answers, at a fraction of the cost per text, as numpy's fixed cost per call is paid once for
    the whole batch instead of once per article. Indexing calls it per batch of articles.

    `groups` (in the same order; equal values: one group, e.g. the articles of one file) lets a
    collection speak for its texts that cannot speak for themselves (`_settle_by_group`)."""
    samples = [_sample(text) for text in texts]
    if not samples:
        return []
    declared: list[str | None] = [normalise_language(hint) for hint in hints] if hints is not None \
        else [None] * len(texts)
    if len(declared) != len(samples) or (groups is not None and len(groups) != len(samples)):
        raise ValueError(f"{len(samples)} texts but {len(declared)} hints and "
                         f"{len(groups) if groups is not None else 'no'} groups")
    letters, shares = _letters(samples)
    answers = [UNDETERMINED] * len(samples)
    detect = []
    for i in range(len(samples)):
        if letters[i] == 0:
            continue
        if letters[i] < MIN_LETTERS:
            answers[i] = declared[i] or UNDETERMINED
        else:
            detect.append(i)
    # For `_settle_by_group`: the languages the detector does not rule out (>= HINT_FLOOR) in each
    # short undeclared text (a few codes a text, not its 114 probabilities: a file may hold 1M).
    possible: dict[int, frozenset[str]] = {}
    if not detect:
        if groups is not None:
            _settle_by_group(answers, groups, declared, letters, possible)
        return answers
    identifier = _identifier()
    for first in range(0, len(detect), _BATCH):
        chosen = detect[first:first + _BATCH]
        probabilities = _probabilities(identifier, [samples[i] for i in chosen], [declared[i] for i in chosen])
        best = probabilities.argmax(axis=1)
        confidence = probabilities[np.arange(len(chosen)), best].tolist()
        for row, (i, label, sure) in enumerate(zip(chosen, best.tolist(), confidence)):
            mixed = bool(shares[i] < MIN_SCRIPT_SHARE)
            guess = identifier.nb_classes[label]
            answers[i] = _decide(guess, sure, probabilities[row], identifier, int(letters[i]), declared[i], mixed)
            if groups is not None and declared[i] is None and letters[i] < OVERRIDE_MIN_LETTERS:
                possible[i] = frozenset(identifier.nb_classes[label]
                                        for label in np.flatnonzero(probabilities[row] >= HINT_FLOOR).tolist())
    if groups is not None:
        _settle_by_group(answers, groups, declared, letters, possible)
    return answers


def _probabilities(identifier: _FastIdentifier, samples: list[str], declared: list[str | None]) -> np.ndarray:
    """Each sample's probabilities, read in two looks: the first `FIRST_LOOK_CHARS` characters of
    every sample, then the whole sample for those the first look leaves in doubt.

    Why a first look settles: a declaration gives way only to a text that all but rules it out
    (`_decide`), and a text whose opening puts the declared language first does not; without a
    declaration the answer is the best guess, so only a near-certain one (`SETTLED_CONFIDENCE`)
    is final. Everything else is read whole, as before: close relatives (Bosnian / Croatian,
    Malay / Indonesian), short, tabular or mixed texts, a declaration the opening contradicts.
    The answers are the whole sample's but for a text whose opening is in another language than
    the rest; the cost on declared news is about half (bench/RESULTS.md, "Language detection")."""
    look = FIRST_LOOK_CHARS
    probabilities = identifier.probabilities([sample[:look] for sample in samples])
    best = probabilities.argmax(axis=1).tolist()
    confidence = probabilities[np.arange(len(samples)), best].tolist()
    classes = identifier.nb_classes
    again = [row for row, sample in enumerate(samples) if len(sample) > look and not (
             declared[row] == classes[best[row]] if declared[row] is not None
             else confidence[row] >= SETTLED_CONFIDENCE)]
    if again:
        probabilities[again] = identifier.probabilities([samples[row] for row in again])
    return probabilities


def _settle_by_group(answers: list[str], groups: Sequence[object], declared: list[str | None],
                     letters: np.ndarray, possible: dict[int, frozenset[str]]) -> None:
    """A group's main language for its texts that cannot speak for themselves (in place).

    A file of news is one collection's export: Reuters-21578's one-line earnings reports ("Shr 91
    cts vs 1.08 dlrs") leave the detector unsure (English at 0.2: "und" for 1 in 10 of them), and
    a short English title ("An Undergraduate Curriculum in Numerical Analysis") reads as Latin.
    When at least `GROUP_MAIN_SHARE` of a group's texts that speak for themselves (declared, or
    with at least `OVERRIDE_MIN_LETTERS` letters and determined; at least `GROUP_MIN_TEXTS` of
    them) are in one language, an undeclared text of that group takes it if it is too short to
    detect (< `MIN_LETTERS` letters, but some), if the detector was unsure ("und": no language near
    `MIN_CONFIDENCE`, so no evidence against the collection's), or if it is short
    (< `OVERRIDE_MIN_LETTERS` letters) and the detector gives that language at least `HINT_FLOOR`
    (as a declaration would be kept on a short text; a German headline in an English file, English
    ~0, stays German). A declared text, a letterless one and a confident long one keep their own
    answer; a file mixing languages has no main language and changes nothing.
    """
    members: dict[object, list[int]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group, []).append(i)
    for indexes in members.values():
        # What the texts that speak for themselves say: declared, or long enough to overrule a
        # declaration (the short and unsure ones are what the main language is for).
        counts = collections.Counter(answers[i] for i in indexes if answers[i] != UNDETERMINED
                                     and (declared[i] is not None or letters[i] >= OVERRIDE_MIN_LETTERS))
        if not counts:
            continue
        main, count = counts.most_common(1)[0]
        if count < GROUP_MIN_TEXTS or count < GROUP_MAIN_SHARE * sum(counts.values()):
            continue
        for i in indexes:
            if declared[i] is not None or letters[i] == 0 or answers[i] == main:
                continue
            if letters[i] < MIN_LETTERS or answers[i] == UNDETERMINED or main in possible.get(i, ()):
                answers[i] = main


def _sample(text: object) -> str:
    """The part of `text` the detector reads ("" for what is not text)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text[:SAMPLE_CHARS * 4]).decode("utf-8", errors="replace")
    return text[:SAMPLE_CHARS] if isinstance(text, str) else ""


def _decide(guess: str, confidence: float, probabilities: np.ndarray, identifier: _FastIdentifier,
            letters: int, declared: str | None, mixed: bool) -> str:
    """Detector and declaration together (the rule in the module's doc): the detector's best
    `guess` with its `confidence` and all `probabilities`; `mixed`: no writing system leads."""
    if mixed and confidence < OVERRIDE_CONFIDENCE:
        return declared or UNDETERMINED
    if declared is None:
        return guess if confidence >= MIN_CONFIDENCE else UNDETERMINED
    if guess == declared or letters < OVERRIDE_MIN_LETTERS:
        return declared
    position = identifier.position.get(declared)
    if position is None:  # a language the detector doesn't know: only a sure detector overrules it
        return guess if confidence >= OVERRIDE_CONFIDENCE else declared
    return guess if probabilities[position] < HINT_FLOOR else declared


# Texts walked together at most (their features' keys, text * features + feature, stay int32).
_BATCH = 4096
_CACHE_FORMAT = 1  # of `_FastIdentifier._state`: a change here must bump it
_loaded: list[_FastIdentifier] = []
_loading = threading.Lock()


def _identifier() -> _FastIdentifier:
    """The process's detector, loaded on first use (once, even with several threads)."""
    if not _loaded:
        with _loading:
            if not _loaded:
                _loaded.append(_FastIdentifier.load())
    return _loaded[0]


class _FastIdentifier:
    """py3langid's classifier with its automaton walked over every byte position at once.

    py3langid counts a feature each time its DFA (an Aho-Corasick automaton over byte n-grams)
    enters an emitting state, stepping through the text byte by byte in Python. The state after a
    byte depends only on the last `_DEPTH` bytes (the longest n-gram's length), so running the DFA
    `_DEPTH` steps from its start at every position at once, with numpy gathers, gives the same
    states and counts (tests/test_language.py compares them with py3langid's own walk). Scores
    are then py3langid's: log1p(counts) times the feature table plus the priors, tempered and
    normalised as its `norm_probs` does.
    """

    _DEPTH = 6  # the model's deepest automaton state (py3langid 0.4.0; checked by the tests)

    def __init__(self, model: LanguageIdentifier) -> None:
        # py3langid's text normalisation (upper case lowered, NFC, UTF-8); the model itself is not
        # kept: its arrays are copied or converted below.
        self.encode = model._encode
        model.set_languages(list(LANGUAGES))
        # One label may own two columns (Serbian in Cyrillic and in Latin script): summed.
        self.nb_classes: list[str] = list(dict.fromkeys(model.nb_classes))
        self.position = {code: i for i, code in enumerate(self.nb_classes)}
        self.first_columns = [list(model.nb_classes).index(code) for code in self.nb_classes]
        self.other_columns = [(column, self.position[code]) for column, code in enumerate(model.nb_classes)
                              if column not in self.first_columns]
        self.table = np.ascontiguousarray(model.nb_ptc, dtype=np.float32)
        self.priors = np.asarray(model.nb_pc, dtype=np.float32)
        # Copied into numpy's own memory, which numpy backs with huge pages where the system
        # allows: the walk reads it at random, and with 4 KB pages most reads also miss the TLB.
        self.moves = np.array(np.frombuffer(model.tk_nextmove, dtype=f"u{model.tk_nextmove.itemsize}"))
        self.rowbase = np.asarray(model.tk_row, dtype=np.intp) << 8
        self.emits = np.asarray(model.tk_output, dtype=np.int32)
        first = self.moves[self.rowbase[0] + np.arange(256)].astype(np.intp)
        # The state after any two bytes from the start (64K entries, stays in the CPU's cache).
        self.pairs = self.moves[(self.rowbase[first][:, None] + np.arange(256)[None, :]).ravel()].astype(np.intp)
        self.pad = bytes([int(np.flatnonzero(first == 0)[0])]) * (self._DEPTH - 1)

    @classmethod
    def load(cls) -> _FastIdentifier:
        """The detector from the cache (`_cache_folder`: ~0.1 s), else from py3langid's model file
        (~1.5 s: xz decompression, float16 -> float32, the restriction to `LANGUAGES`), which
        is then cached. Every index run's process loads it once: that second and a half was
        as much as detecting the languages of 20,000 articles."""
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

        cache = _cache_folder(Path(MODEL_DIR) / MODEL_FILE)
        try:  # one .npy file per array: read straight into memory (an .npz costs 4x: zip, CRC)
            return cls._restore({name: np.load(cache / f"{name}.npy") for name in cls._STATE})
        except FileNotFoundError:
            pass  # none yet
        except (OSError, ValueError, EOFError):  # damaged: built again, and replaced
            shutil.rmtree(cache, ignore_errors=True)
        identifier = cls(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
        try:
            partial.mkdir(parents=True)
            for name, array in identifier._state().items():
                np.save(partial / f"{name}.npy", array)
            # Whole or absent, even with runs starting side by side (the second rename fails).
            os.replace(partial, cache)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # a read-only home: every run builds it
        return identifier

    _STATE = ("table", "priors", "moves", "rowbase", "emits", "pairs", "pad", "classes", "first_columns",
              "other_columns")

    def _state(self) -> dict[str, Any]:
        """Everything `_restore` needs (`_STATE`), as arrays (loaded without pickle)."""
        return {"table": self.table, "priors": self.priors, "moves": self.moves, "rowbase": self.rowbase,
                "emits": self.emits, "pairs": self.pairs, "pad": np.frombuffer(self.pad, dtype=np.uint8),
                "classes": np.array(self.nb_classes), "first_columns": np.array(self.first_columns),
                "other_columns": np.array(self.other_columns, dtype=np.intp).reshape(-1, 2)}

    @classmethod
    def _restore(cls, state: dict[str, np.ndarray]) -> _FastIdentifier:
        from py3langid.langid import LanguageIdentifier  # type: ignore[import-untyped]

        identifier = cls.__new__(cls)
        identifier.encode = LanguageIdentifier._encode
        identifier.nb_classes = [str(code) for code in state["classes"]]
        if sorted(identifier.nb_classes) != sorted(LANGUAGES):
            raise ValueError("the cached detector was made for other languages")
        identifier.position = {code: i for i, code in enumerate(identifier.nb_classes)}
        identifier.first_columns = state["first_columns"].tolist()
        identifier.other_columns = [(int(column), int(label)) for column, label in state["other_columns"]]
        identifier.table, identifier.priors = state["table"], state["priors"]
        identifier.moves, identifier.rowbase = state["moves"], state["rowbase"]
        identifier.emits, identifier.pairs = state["emits"], state["pairs"]
        identifier.pad = state["pad"].tobytes()
        return identifier

    def visits(self, datas: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The features the automaton emits over each of `datas` and how often (py3langid's visit
        counts), as three arrays: which text, which feature, how many times; sorted by text."""
        pad = len(self.pad)
        # Position i reads bytes i-DEPTH+1 .. i from the start state. DEPTH-1 pad bytes (a byte
        # that leaves the start state where it is) before every text stand for "before the text".
        codes = np.frombuffer(self.pad + self.pad.join(datas), dtype=np.uint8).astype(np.intp)
        size = len(codes) - pad
        states = self.pairs[(codes[:size] << 8) | codes[1:size + 1]]  # the first two steps at once
        for back in range(2, self._DEPTH):
            states = self.moves[self.rowbase[states] + codes[back:size + back]]
        # Which text each position belongs to (-1: a pad between two texts).
        lengths = np.array([[len(data), pad] for data in datas]).ravel()[:-1]
        texts = np.stack([np.arange(len(datas), dtype=np.int32), np.full(len(datas), -1, dtype=np.int32)], axis=1)
        owner = np.repeat(texts.ravel()[:-1], lengths)
        emitted = self.emits[states]
        kept = (emitted >= 0) & (owner >= 0)
        # One sort groups every text's features (int32 keys sort fastest; `_BATCH` keeps them small).
        features = len(self.emits)
        keys, counts = np.unique(owner[kept] * np.int32(features) + emitted[kept], return_counts=True)
        texts = keys // features
        return texts, keys - texts * features, counts

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Each text's probability for each of `nb_classes` (py3langid's `norm_probs` scores), one
        row per text."""
        datas = [self.encode(text) for text in texts]
        owner, found, counts = self.visits(datas)
        weights = np.log1p(counts.astype(np.float32))
        scores = np.zeros((len(texts), len(self.priors)), dtype=np.float32)
        starts = np.flatnonzero(np.diff(owner, prepend=-1)).tolist()
        # Text by text: one small matrix-vector product each, rather than one big weighted copy
        # of every text's feature rows (tens of MB for a batch: slower, all page faults).
        for start, end in zip(starts, starts[1:] + [len(found)]):
            scores[owner[start]] = weights[start:end] @ self.table.take(found[start:end], axis=0)
        scores[owner[starts]] += self.priors
        # No feature at all: py3langid scores every language 0, hence equal probabilities.
        scores *= (1.0 / np.sqrt(np.maximum([len(data) for data in datas], 1)))[:, None].astype(np.float32)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        folded = scores[:, self.first_columns]
        for column, label in self.other_columns:
            folded[:, label] += scores[:, column]
        return folded


def _cache_folder(model_file: Path) -> Path:
    """Where the detector's arrays are kept between runs (~90 MB, uncompressed for speed):
    `$XDG_CACHE_HOME/newsearch/` (else `~/.cache/newsearch/`), named after everything they are
    made from (py3langid's model file, `LANGUAGES`, this module's walk), so an upgrade of either
    makes a new one instead of reading a stale one."""
    stat = model_file.stat()
    made_from = repr((_CACHE_FORMAT, str(model_file), stat.st_size, stat.st_mtime_ns, LANGUAGES,
                      _FastIdentifier._DEPTH))
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "newsearch" / f"language-model-{hashlib.sha256(made_from.encode()).hexdigest()[:16]}"
