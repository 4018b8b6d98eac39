"""The model: in the package, no network, and comparable across French and English."""

import subprocess
import sys

import numpy as np

from liberation.semantic import embeddings

NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from liberation.semantic import embeddings
vector = embeddings.encode(["La libération de Paris"])[0]
assert vector.shape == (512,), vector.shape
print("ok")
"""


def test_the_model_loads_and_runs_without_network():
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_translations_are_close_and_unrelated_texts_far():
    fr, en, other = embeddings.encode(
        [
            "La libération de Cherbourg en juin 1944",
            "The liberation of Cherbourg in June 1944",
            "Recette de la tarte aux pommes",
        ]
    )
    assert np.isclose(np.linalg.norm(fr), 1.0, atol=1e-4)
    assert float(fr @ en) > 0.8
    assert float(fr @ other) < 0.3


def test_vectors_round_trip_through_bytes():
    vector = embeddings.encode(["Royan"])[0]
    data = embeddings.to_bytes(vector)
    assert len(data) == 512 * 4
    assert np.array_equal(embeddings.from_bytes(data), vector)
