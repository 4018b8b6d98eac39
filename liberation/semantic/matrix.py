"""The embedding vectors of a process, quantized to 8 bits.

Each vector (512 float32, L2-normalised) is kept as 512 signed bytes and one float32
scale (its largest component over 127): a quarter of the memory, and a scan that is no
slower (it reads four times fewer bytes; measured in docs/semantic.md, "Scale"). The
cosine of two pages is off by about 0.001, far below the gaps the rankings rely on (the
search and related-content evaluations are unchanged, docs/semantic.md).

Scores are computed chunk by chunk: each chunk of rows is widened to float32 (a few MB)
and multiplied by the query vector with BLAS, so no float32 copy of the whole matrix
ever exists.
"""

from collections.abc import Iterable

import numpy as np

# 512 rows (256 KB widened): small enough to stay in cache and below the size at which
# OpenBLAS splits a product over threads, which made a scan of 200,000 rows 4-6 times
# slower here (`bench/embedding_matrix.py --chunk-rows 512,1024,8192`, load 0.6: p50
# 18.2 ms at 512 rows, 118.1 ms at 1,024, 73.4 ms at 8,192).
CHUNK_ROWS = 512


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 codes, float32 scales) of float vectors, one row each."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError("expected a matrix, one vector per row")
    peak = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, dtype=np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, None]).clip(-127, 127).astype(np.int8)
    return codes, scales


class QuantizedMatrix:
    """Rows of int8 codes and their scales; filled in chunks, read by `scores`."""

    def __init__(self, rows: int, dimensions: int):
        self.codes = np.zeros((rows, dimensions), dtype=np.int8)
        self.scales = np.ones(rows, dtype=np.float32)
        self.filled = 0

    @classmethod
    def over(cls, codes: np.ndarray, scales: np.ndarray) -> "QuantizedMatrix":
        """A matrix whose rows are these arrays (in memory or memory-mapped), all filled."""
        matrix = cls.__new__(cls)
        matrix.codes, matrix.scales, matrix.filled = codes, scales, len(codes)
        return matrix

    @classmethod
    def of(cls, vectors: np.ndarray) -> "QuantizedMatrix":
        vectors = np.asarray(vectors, dtype=np.float32)
        matrix = cls(len(vectors), vectors.shape[1] if vectors.ndim == 2 else 0)
        matrix.extend(vectors)
        return matrix

    def extend(self, vectors: np.ndarray) -> None:
        """Append rows (float vectors), quantized."""
        if not len(vectors):
            return
        codes, scales = quantize(vectors)
        end = self.filled + len(codes)
        if end > len(self.codes):
            raise ValueError("more rows than the matrix was made for")
        self.codes[self.filled : end] = codes
        self.scales[self.filled : end] = scales
        self.filled = end

    def trimmed(self) -> "QuantizedMatrix":
        """The filled rows only (when fewer rows came than were announced)."""
        if self.filled == len(self.codes):
            return self
        out = QuantizedMatrix(0, self.codes.shape[1])
        out.codes = self.codes[: self.filled].copy()
        out.scales = self.scales[: self.filled].copy()
        out.filled = self.filled
        return out

    def __len__(self) -> int:
        return self.filled

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.scales.nbytes

    def row(self, i: int) -> np.ndarray:
        """Row i as float32 (its dequantized vector)."""
        return self.codes[i].astype(np.float32) * self.scales[i]

    def scores(self, vector: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Dot product of every row (or of the given row numbers) with `vector`, as
        float32."""
        vector = np.asarray(vector, dtype=np.float32)
        count = self.filled if rows is None else len(rows)
        out = np.empty(count, dtype=np.float32)
        for start in range(0, count, CHUNK_ROWS):
            end = min(start + CHUNK_ROWS, count)
            part = slice(start, end) if rows is None else rows[start:end]
            out[start:end] = self.codes[part].astype(np.float32) @ vector
        out *= self.scales[: self.filled] if rows is None else self.scales[rows]
        return out


def from_chunks(rows: int, dimensions: int, chunks: Iterable[np.ndarray]) -> QuantizedMatrix:
    """A matrix filled from float32 chunks without ever holding them all."""
    matrix = QuantizedMatrix(rows, dimensions)
    for chunk in chunks:
        matrix.extend(chunk)
    return matrix.trimmed()
