"""The shared page checks find what they are meant to find (so that a page passing them
means something)."""

from liberation.core.testing import structure_problems

GOOD = """<!doctype html><html lang="fr"><body><main><h1>Titre</h1><h2>Partie</h2>
<label for="q">Recherche</label><input id="q" aria-describedby="q-hint">
<p id="q-hint">Aide</p><img src="a.png" alt=""></main></body></html>"""

BAD = """<!doctype html><html lang="fr"><body><main><h2>Partie</h2><h1>Titre</h1>
<h4>Trop bas</h4><input id="q" aria-describedby="nowhere"><span id="q"></span>
<img src="a.png"></main></body></html>"""


def test_a_sound_page_has_no_problem():
    assert structure_problems(GOOD) == []


def test_each_kind_of_problem_is_found():
    problems = " | ".join(structure_problems(BAD))
    for expected in (
        "want one h1, first",
        "heading level skipped: h1 then h4",
        "duplicate id 'q'",
        "aria-describedby='nowhere' names no element",
        "no alt on",
        "no label for",
    ):
        assert expected in problems, (expected, problems)
