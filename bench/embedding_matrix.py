"""The embedding matrix at scale: memory and scan time, float32 against 8-bit codes.

    python bench/embedding_matrix.py [--rows 200000] [--dimensions 512] [--rounds 20]
        [--chunk-rows 512,1024,8192] [--float16]

Builds random L2-normalised vectors (the model's vectors are normalised the same way),
then scores one query vector against every row, as `semantic_search` and the related
content do: with the float32 matrix (what each process held before), and with the
`QuantizedMatrix` of liberation/semantic/matrix.py (int8 codes, one scale per row,
scored chunk by chunk, at each of --chunk-rows: the first is the size the site
uses, matrix.CHUNK_ROWS), and with --float16 a float16 copy too. Prints bytes held,
scan p50 / p95, the largest cosine error and whether the ten nearest rows are the same,
then a final JSON line. No database.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liberation.semantic import matrix as matrix_module  # noqa: E402
from liberation.semantic.matrix import QuantizedMatrix  # noqa: E402


def timed(fn, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dimensions", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--chunk-rows",
        default=str(matrix_module.CHUNK_ROWS),
        help="comma-separated chunk sizes to time the 8-bit scan at",
    )
    parser.add_argument("--float16", action="store_true", help="time a float16 matrix too")
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    full = rng.standard_normal((args.rows, args.dimensions), dtype=np.float32)
    full /= np.linalg.norm(full, axis=1, keepdims=True)
    query = full[rng.integers(args.rows)] + 0.5 * rng.standard_normal(args.dimensions).astype(
        np.float32
    )
    query /= np.linalg.norm(query)

    matrix = QuantizedMatrix(args.rows, args.dimensions)
    for start in range(0, args.rows, 10_000):
        matrix.extend(full[start : start + 10_000])

    exact = full @ query
    approx = matrix.scores(query)
    top_exact = set(np.argpartition(-exact, 10)[:10].tolist())
    top_approx = set(np.argpartition(-approx, 10)[:10].tolist())
    f32_p50, f32_p95 = timed(lambda: full @ query, args.rounds)
    chunk_sizes = [int(size) for size in args.chunk_rows.split(",")]
    by_chunk = {}
    for size in chunk_sizes:
        matrix_module.CHUNK_ROWS = size
        by_chunk[size] = timed(lambda: matrix.scores(query), args.rounds)
    q8_p50, q8_p95 = by_chunk[chunk_sizes[0]]
    figures = {
        "rows": args.rows,
        "dimensions": args.dimensions,
        "float32_mb": round(full.nbytes / 2**20, 1),
        "int8_mb": round(matrix.nbytes / 2**20, 1),
        "float32_scan_ms_p50": round(f32_p50, 1),
        "float32_scan_ms_p95": round(f32_p95, 1),
        "int8_scan_ms_p50": round(q8_p50, 1),
        "int8_scan_ms_p95": round(q8_p95, 1),
        "int8_scan_ms_p50_by_chunk_rows": {size: round(t[0], 1) for size, t in by_chunk.items()},
        "max_cosine_error": round(float(np.abs(exact - approx).max()), 5),
        "same_top10": len(top_exact & top_approx),
    }
    if args.float16:
        half = full.astype(np.float16)
        f16_p50, f16_p95 = timed(lambda: half @ query.astype(np.float16), args.rounds)
        figures["float16_mb"] = round(half.nbytes / 2**20, 1)
        figures["float16_scan_ms_p50"] = round(f16_p50, 1)
        figures["float16_scan_ms_p95"] = round(f16_p95, 1)
    print(f"{args.rows} rows x {args.dimensions}")
    print(f"float32: {figures['float32_mb']} MB, scan p50 {f32_p50:.1f} ms, p95 {f32_p95:.1f} ms")
    print(f"int8:    {figures['int8_mb']} MB, scan p50 {q8_p50:.1f} ms, p95 {q8_p95:.1f} ms")
    for size, (p50, p95) in by_chunk.items():
        print(f"  int8 in chunks of {size} rows: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if args.float16:
        print(
            f"float16: {figures['float16_mb']} MB, scan p50 {figures['float16_scan_ms_p50']} ms,"
            f" p95 {figures['float16_scan_ms_p95']} ms"
        )
    error, common = figures["max_cosine_error"], figures["same_top10"]
    print(f"largest cosine error {error}, top 10 in common {common}/10")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
