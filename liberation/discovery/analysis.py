"""French and English text analysis shared by indexing and querying.

Both database backends store terms produced here, so SQLite and PostgreSQL rank the
same way. A word becomes several index terms: the folded surface form (for autocomplete
and did-you-mean), "stem then fold" and "fold then stem" (so that "alliées", "alliee",
"allie" and "allies" meet on a common term). Queries are plain text: quotes, `*`,
`-`, `OR`, `NEAR(`, SQL fragments, control characters, emoji and right-to-left
scripts are never syntax; only letters and digits survive tokenisation.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

LANGS = ("fr", "en")
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 12

_STEMMERS = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}

# Elided articles and pronouns before an apostrophe: l’armée → armée, qu'il → il.
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’ʼ‘`´]", re.IGNORECASE)
# A token is a run of letters and digits (any script); everything else separates.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Folded stop words (compared with folded tokens).
STOP_WORDS = {
    "fr": _words(
        """
        au aux avec ce ces dans de des du elle en et eux il ils je la le les
        leur lui ma mais me meme mes moi mon ne nos notre nous on ou par pas
        pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre
        vous c d j l m n s t y ete etee etees etes etant etais etait etaient
        sont est a avait ont cette cet sans sous entre vers comme plus tres tout
        tous toute toutes si leurs donc car ni or
        """
    ),
    "en": _words(
        """
        a an and are as at be been but by for from had has have he her his i if
        in into is it its of on or our she that the their them then there these
        they this to was we were what when where which who will with you your
        """
    ),
}
_ALL_STOP_WORDS = STOP_WORDS["fr"] | STOP_WORDS["en"]


def normalise(text: str) -> str:
    """NFKC then casefold; control characters become spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return text.casefold()


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Remove accents and ligatures: é → e, œ → oe, ß → ss (already casefolded)."""
    word = word.replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Normalised words of `text`, elisions removed, accents kept."""
    text = _ELISION.sub(" ", normalise(text))
    return _TOKEN.findall(text)


@lru_cache(maxsize=131072)
def word_terms(word: str, lang: str) -> tuple[str, ...]:
    """Index terms for one normalised word in one language."""
    folded = fold(word)
    if folded.isdigit() or len(folded) < 3:
        return (folded,)
    stemmer = _STEMMERS[lang]
    return tuple(dict.fromkeys((folded, fold(stemmer.stemWord(word)), stemmer.stemWord(folded))))


def document_terms(text: str, lang: str) -> list[str]:
    """Every term of `text` (repeats kept, to count frequencies); stop words removed."""
    lang = lang if lang in LANGS else "fr"
    stop = STOP_WORDS[lang]
    terms: list[str] = []
    for word in tokenize(text):
        if fold(word) in stop:
            continue
        terms.extend(word_terms(word, lang))
    return terms


def clean_query(raw: str) -> str:
    """The query as shown back to the reader: normalised spaces, no control characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())


def query_tokens(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(word, variants) for each query word: the word may be French or English, so its
    variants are the terms both languages would have indexed. Stop words are dropped
    unless the query has nothing else."""
    words = list(dict.fromkeys(tokenize(text)))[:MAX_QUERY_TOKENS]
    kept = [w for w in words if fold(w) not in _ALL_STOP_WORDS] or words
    tokens = []
    for word in kept:
        variants = dict.fromkeys(word_terms(word, "fr") + word_terms(word, "en"))
        tokens.append((word, tuple(variants)))
    return tokens


def highlight_terms(text: str, variants: set[str], lang: str) -> list[tuple[str, bool]]:
    """Split `text` into (chunk, matched) pieces; a word is matched when one of its
    index terms is among the query variants. Used to build snippets with <mark>."""
    lang = lang if lang in LANGS else "fr"
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in re.finditer(r"[^\W_]+", text):
        word = normalise(match.group())
        hit = (
            bool(variants.intersection(word_terms(word, lang)))
            and fold(word) not in (STOP_WORDS[lang])
        )
        if hit:
            if match.start() > pos:
                pieces.append((text[pos : match.start()], False))
            pieces.append((match.group(), True))
            pos = match.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces
