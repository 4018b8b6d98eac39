"""How close nonsense and genuine queries come to the pages and to the documents by meaning.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/document_cosines.py

For each query, the best cosine against the embedded pages and against the embedded
documents of the search sources (events, testimonies), and how many documents reach
SEMANTIC_MIN_COSINE_DOCUMENT (found by meaning alone). Nonsense should stay below the
thresholds; English paraphrases of the demo's French event titles should reach them
(docs/search.md, "Documents by meaning"). The last line is JSON.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")

NONSENSE = [
    "zorglub", "Vrombier", "Zanzibaroise", "zzzzqx", "how to bake bread", "🎉", "asdf qwer",
    "xkcd", "lorem ipsum dolor", "qwertyuiop", "blorf", "Anatole", "bitcoin price",
    "recette de la tarte tatin", "football results",
]  # fmt: skip
PARAPHRASES = [
    "meeting children of resistance fighters", "tribute to the Savoy maquis",
    "concert of wartime big band music", "hike around the Royan pocket",
    "photo exhibition Paris liberated August 1944", "talk about civilians in the Normandy battle",
    "film screening The Longest Day", "archives workshop for high school students",
    "dance party celebrating liberation", "reenactment of a 1944 camp",
    "Saint-Nazaire pocket surrender ceremony", "memorial run in the Cotentin",
    "PLUTO pipeline under the Channel", "war correspondents exhibition", "last town freed Dunkirk",
]  # fmt: skip


def main() -> None:
    import django

    django.setup()
    import numpy as np

    from liberation.discovery.selectors import SEMANTIC_MIN_COSINE, SEMANTIC_MIN_COSINE_DOCUMENT
    from liberation.semantic import embeddings
    from liberation.semantic.corpus import corpus_get, document_corpus_get

    pages, documents = corpus_get(), document_corpus_get()
    print(f"{len(pages.ids)} pages and {len(documents.ids)} documents embedded")
    figures: dict = {"pages": len(pages.ids), "documents": len(documents.ids)}
    for kind, queries in (("nonsense", NONSENSE), ("paraphrase", PARAPHRASES)):
        rows = []
        for query in queries:
            vector = embeddings.encode([query])[0]
            page = float(pages.matrix.scores(vector).max()) if len(pages.ids) else 0.0
            scores = documents.matrix.scores(vector) if len(documents.ids) else np.zeros(0)
            document = float(scores.max()) if len(scores) else 0.0
            found = int((scores >= SEMANTIC_MIN_COSINE_DOCUMENT).sum())
            rows.append((query, page, document, found))
            print(f"{kind:10} {query[:44]:44} pages {page:.3f}  documents {document:.3f}  {found}")
        figures[kind] = {
            "pages_max": round(max(r[1] for r in rows), 3),
            "pages_min": round(min(r[1] for r in rows), 3),
            "documents_max": round(max(r[2] for r in rows), 3),
            "documents_min": round(min(r[2] for r in rows), 3),
            "queries_finding_documents_alone": sum(1 for r in rows if r[3]),
            "queries_finding_pages_alone": sum(1 for r in rows if r[1] >= SEMANTIC_MIN_COSINE),
        }
    figures["thresholds"] = [SEMANTIC_MIN_COSINE, SEMANTIC_MIN_COSINE_DOCUMENT]
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
