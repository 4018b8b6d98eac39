"""Folding of names for matching: lower case, accents and punctuation dropped.

"Saint-Étienne-du-Rouvray" and "saint etienne du rouvray" fold to the same string, so
the autocomplete and the exchange import match either spelling.
"""

import unicodedata


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())
