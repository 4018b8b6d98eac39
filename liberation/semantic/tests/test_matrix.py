"""The 8-bit matrix: scores close to float32's, same order, built in chunks."""

import numpy as np
import pytest

from liberation.semantic.matrix import QuantizedMatrix, from_chunks, quantize


def _unit_vectors(rows: int, seed: int = 1) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, 512)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_scores_are_close_to_the_float_ones_and_keep_the_order():
    vectors = _unit_vectors(3000)
    query = vectors[7] * 0.6 + vectors[8] * 0.4
    query /= np.linalg.norm(query)
    exact = vectors @ query
    approx = QuantizedMatrix.of(vectors).scores(query)
    assert approx.dtype == np.float32
    assert np.abs(approx - exact).max() < 0.005
    assert list(np.argsort(-approx)[:2]) == list(np.argsort(-exact)[:2])


def test_a_quarter_of_the_memory():
    vectors = _unit_vectors(1000)
    matrix = QuantizedMatrix.of(vectors)
    assert matrix.codes.dtype == np.int8
    assert matrix.nbytes <= vectors.nbytes / 4 + 4 * len(vectors)


def test_row_is_the_dequantized_vector():
    vectors = _unit_vectors(10)
    matrix = QuantizedMatrix.of(vectors)
    assert np.abs(matrix.row(3) - vectors[3]).max() < 0.005


def test_chunks_longer_than_one_block_and_fewer_rows_than_announced():
    vectors = _unit_vectors(9000)  # more than CHUNK_ROWS
    matrix = from_chunks(10000, 512, (vectors[i : i + 2000] for i in range(0, 9000, 2000)))
    assert len(matrix) == 9000
    whole = QuantizedMatrix.of(vectors)
    assert np.array_equal(matrix.scores(vectors[0]), whole.scores(vectors[0]))


def test_more_rows_than_announced_is_refused():
    with pytest.raises(ValueError):
        from_chunks(2, 512, [_unit_vectors(3)])


def test_zero_vector_and_empty_matrix():
    codes, scales = quantize(np.zeros((1, 512), dtype=np.float32))
    assert not codes.any() and scales[0] == 1.0
    assert len(QuantizedMatrix(0, 512).scores(np.ones(512))) == 0


def test_sorted_ids_find_rows_and_refuse_an_unknown_page():
    from liberation.semantic.selectors import SortedIds

    rows = SortedIds(np.array([3, 8, 21], dtype=np.int64))
    assert rows[8] == 1 and rows.get(21) == 2 and 3 in rows
    assert rows.get(4) is None and 40 not in rows and len(rows) == 3
    with pytest.raises(KeyError):
        rows[4]
    assert SortedIds(np.zeros(0, dtype=np.int64)).get(1, "none") == "none"
