from liberation.discovery.analysis import (
    document_terms,
    fold,
    query_tokens,
    tokenize,
)


def _matches(query: str, text: str, lang: str = "fr") -> bool:
    terms = set(document_terms(text, lang))
    return all(terms.intersection(variants) for _, variants in query_tokens(query))


def test_accents_and_stemming_meet():
    text = "Les forces alliées débarquent"
    for query in ("alliées", "alliee", "allie", "allies", "forces allies", "ALLIÉES"):
        assert _matches(query, text), query


def test_liberation_with_and_without_accents():
    assert _matches("libération", "La liberation de Cherbourg")
    assert _matches("liberation", "La libération de Cherbourg")
    assert _matches("LIBERATION", "La Libération de Cherbourg")


def test_english_stemming():
    assert _matches("landing", "The Provence landings", "en")
    assert _matches("freed", "Cherbourg was freed", "en")
    assert _matches("allied forces", "the Allies' force arrived", "en")


def test_elision_and_stop_words():
    assert tokenize("l’armée d'occupation") == ["armée", "occupation"]
    assert [w for w, _ in query_tokens("la bataille du Cotentin")] == ["bataille", "cotentin"]
    assert [w for w, _ in query_tokens("de la")] == ["de", "la"]  # nothing else: kept


def test_folding():
    assert fold("cœur") == "coeur"
    assert fold("été") == "ete"


def test_syntax_is_text():
    for query in ['"', "*", "-", "OR", "NEAR(", "'; DROP TABLE x; --", "\x00\x07", "🎉", "\u202e"]:
        for word, variants in query_tokens(query):
            assert word.isalnum()
            assert all(v.isalnum() for v in variants)
    assert [w for w, _ in query_tokens("ليبراسيون باريس")]  # right-to-left words are words
