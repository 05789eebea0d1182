"""Exact trustworthiness/continuity: scikit-learn versus latent_explorer.core.metrics.

Usage::

    python benchmarks/bench_metrics.py [--quick] [--sizes N ...] [--threads N] [--json PATH]

One run reports what issue 13 asks, as absolute figures and ratios measured in the same run:

- n = 5,000 and 10,000 points of random 784-d float32 data with a random and a PCA 2-D
  projection: ``sklearn.manifold.trustworthiness`` twice (T, and C as T with the spaces
  swapped) against one call of ours, at 1 thread and at 2 (``--threads``), with peak memory;
- n = 70,000 x 784 8-bit images (the 10,000 MNIST test images repeated with integer pixel
  noise, scaled to [0, 1] as a model sees them) with a 2-D PCA: ours at 2 threads and at 1;
- n = 70,000 x 784 float data (the same images plus float noise, so not 8-bit): ours;
- exactness: every case's per-point T and C are compared for equality with a float64
  reference from direct pairwise distances (``((x_i - x) ** 2).sum(axis=1)``, ranks =
  1 + strictly closer, neighbours by distance then index; 8-bit data on its levels): on
  every row at n <= 5,000, on 200 seeded random rows above (a full direct reference at
  70,000 is 4e12 operations).

The hardware's limit is printed beside each 70,000-point case: the float32 products of the
distance matrix's upper triangle at this machine's measured float32 rate (``floor``; no
exact method forms fewer products, and float32 is the fastest exact product on a CPU
without AVX-512: bfloat16 and int8 products run at 8-15 and 2-4 GOP/s here against
float32's 46-86 GFLOP/s). Ours is compiled once before timing (Numba, cached on disk).

``--quick`` runs only n = 5,000 at the chosen thread count; ``--sizes`` picks the compared
sizes (70000 among them runs the large cases). Every case runs in a fresh ``spawn``
subprocess that loads its inputs from ``.npy`` files. A call's memory is the peak RSS during
the call above the RSS just before it (the kernel's high-water mark, reset before the call
through ``/proc/self/clear_refs``): the inputs, the imported libraries, the compiled code and
the float32 rate probe are not counted, for either side. The process's whole peak
(``ru_maxrss``) is printed beside it for the large cases. Nothing is asserted: timings on a
shared 2-core machine vary a lot; compare the ratios.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SIZES = (5_000, 10_000)
LARGE = 70_000
N_NEIGHBORS = 7
CHECK_ROWS = 200  # rows checked against the direct reference above FULL_CHECK points
FULL_CHECK = 5_000
MNIST_IMAGES = "mnist/t10k-images-idx3-ubyte.gz"


def _data_dir() -> Path:
    env = os.environ.get("LATENT_EXPLORER_DATA")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


def _load_mnist_levels() -> np.ndarray | None:
    """The 10,000 MNIST test images as uint8 levels, or None when the file is absent."""
    path = _data_dir() / MNIST_IMAGES
    if not path.is_file():
        return None
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    # IDX format: 16-byte header (magic, count, rows, cols), then uint8 pixels.
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)


def _load_mnist() -> np.ndarray | None:
    """The 10,000 MNIST test images as float64 in [0, 1] (kept for other benchmarks)."""
    levels = _load_mnist_levels()
    return None if levels is None else levels / 255.0


def _synthetic_levels(n: int, seed: int) -> np.ndarray:
    """Blob-like 8-bit images when MNIST is absent."""
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, size=(10, 784))
    return np.clip(protos[rng.integers(0, 10, n)] + rng.normal(scale=40, size=(n, 784)), 0, 255)


def images_8bit(n: int, seed: int = 0) -> np.ndarray:
    """n x 784 8-bit images scaled to [0, 1] in float32: MNIST test images repeated with
    integer pixel noise (no exact duplicates), or synthetic blobs."""
    rng = np.random.default_rng(seed)
    base = _load_mnist_levels()
    if base is None:
        levels = _synthetic_levels(n, seed)
    else:
        reps = -(-n // len(base))
        parts = [base.astype(np.float64)] + [
            np.clip(np.rint(base + rng.normal(scale=20.0, size=base.shape)), 0, 255)
            for _ in range(reps - 1)
        ]
        levels = np.concatenate(parts)[:n]
    return (levels / 255.0).astype(np.float32)


def images_float(n: int, seed: int = 1) -> np.ndarray:
    """The same images plus small float noise: float32 data that is not 8-bit."""
    rng = np.random.default_rng(seed)
    X = images_8bit(n)
    X += rng.normal(scale=0.01, size=X.shape).astype(np.float32)
    return X


def random_float(n: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


def pca_2d(X: np.ndarray) -> np.ndarray:
    """2-D PCA projection (principal axes fitted on at most 5,000 rows)."""
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred[:5000], full_matrices=False)
    return centred @ vt[:2].T


def random_2d(n: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 2))


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_now_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0); return that RSS."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _rss_now_mb()


def _peak_since_reset_mb() -> float:
    return _status_mb("VmHWM")


def reference_rows(X: np.ndarray, Y: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Per-point (t_i, c_i) of `rows` from direct float64 distances (the definition)."""
    from latent_explorer.core.metrics import eight_bit_codes

    levels = eight_bit_codes(X)
    A = (levels if levels is not None else X).astype(np.float64)
    B = np.asarray(Y, dtype=np.float64)
    n = A.shape[0]
    scale = 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))
    out = np.empty((rows.size, 2))
    step = max(1, 2**22 // A.shape[1])
    for r, i in enumerate(rows):
        dx = np.empty(n)
        for a in range(0, n, step):
            dx[a : a + step] = ((A[i] - A[a : a + step]) ** 2).sum(axis=1)
        dy = ((B[i] - B) ** 2).sum(axis=1)
        dx[i] = dy[i] = np.inf
        pen = []
        for ranked, other in ((dx, dy), (dy, dx)):
            nn = np.argsort(other, kind="stable")[:k]
            pen.append(sum(max(1 + int(np.count_nonzero(ranked < ranked[j])) - k, 0) for j in nn))
        out[r] = 1.0 - np.array(pen) * scale
    return out


def _gemm_gflops(d: int) -> float:
    """This machine's float32 matrix-product rate at the current thread count (best of 3,
    a 1024 x d by d x 16384 product: the shape of a strip of the pass)."""
    import torch

    a, b = torch.rand(1024, d), torch.rand(16384, d)
    out = torch.empty(1024, 16384)
    best = float("inf")
    for _ in range(4):
        t0 = time.perf_counter()
        torch.mm(a, b.T, out=out)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * 1024 * 16384 * d / best / 1e9


def floor_s(n: int, d: int, gflops: float) -> float:
    """The hardware's limit for exact T and C here: the products of the distance matrix's
    upper triangle (``n (n + 1) / 2`` dot products of ``d`` terms) at the float32 rate."""
    return n * (n + 1) / 2 * 2 * d / (gflops * 1e9)


def _child(which: str, x_path: str, y_path: str, threads: int, device: str, queue: Any) -> None:
    """Run one case in this fresh process and report time, values and memory."""
    try:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(threads)
        threadpool_limits(threads)
        try:
            from latent_explorer.core.metrics import trustworthiness_continuity
        except ImportError:  # running from a checkout without an install
            sys.path.insert(0, str(REPO / "src"))
            from latent_explorer.core.metrics import trustworthiness_continuity
        from sklearn.manifold import trustworthiness

        X = np.load(x_path)
        Y = np.load(y_path)
        loaded = _rss_now_mb()
        out: dict[str, Any] = {"rss_after_load_mb": loaded}
        if which == "sklearn":
            before = _reset_peak()
            t0 = time.perf_counter()
            out["T"] = float(trustworthiness(X, Y, n_neighbors=N_NEIGHBORS))
            out["time_T_s"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            out["C"] = float(trustworthiness(Y, X, n_neighbors=N_NEIGHBORS))
            out["time_C_s"] = time.perf_counter() - t1
            out["time_s"] = out["time_T_s"] + out["time_C_s"]
            out["metric_rss_mb"] = _peak_since_reset_mb() - before
            out["peak_rss_mb"] = _peak_rss_mb()
        else:
            # Compile the scan once (Numba; cached on disk, as in a server's first measure).
            w0 = time.perf_counter()
            trustworthiness_continuity(X[:300], Y[:300], n_neighbors=N_NEIGHBORS, device=device)
            out["warmup_s"] = time.perf_counter() - w0
            out["gemm_gflops"] = _gemm_gflops(X.shape[1])
            before = _reset_peak()
            t0 = time.perf_counter()
            res = trustworthiness_continuity(
                X, Y, n_neighbors=N_NEIGHBORS, device=device, n_threads=threads, per_point=True
            )
            out["time_s"] = time.perf_counter() - t0
            out["metric_rss_mb"] = _peak_since_reset_mb() - before
            out["peak_rss_mb"] = _peak_rss_mb()
            out["T"], out["C"] = res.trustworthiness, res.continuity
            n = X.shape[0]
            if n <= FULL_CHECK:
                rows = np.arange(n)
            else:
                rows = np.sort(np.random.default_rng(0).choice(n, CHECK_ROWS, replace=False))
            ref = reference_rows(X, Y, rows, N_NEIGHBORS)
            assert res.local_trustworthiness is not None and res.local_continuity is not None
            ours = np.column_stack([res.local_trustworthiness[rows], res.local_continuity[rows]])
            out["rows_checked"] = int(rows.size)
            out["rows_different"] = int(np.count_nonzero(np.any(ours != ref, axis=1)))
            # Every row equal gives equal global values: both are means of the same numbers.
            out["all_rows_checked"] = bool(rows.size == n)
        queue.put(out)
    except BaseException as exc:  # report, do not hang the parent
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def run_case(which: str, X: np.ndarray, Y: np.ndarray, threads: int, device: str) -> dict:
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        x_path, y_path = os.path.join(tmp, "X.npy"), os.path.join(tmp, "Y.npy")
        np.save(x_path, X)
        np.save(y_path, Y)
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(which, x_path, y_path, threads, device, queue))
        proc.start()
        # Wait on the queue rather than join(): a child blocked writing a large message
        # would never exit. A dead child (e.g. killed for memory) leaves the queue empty.
        result: dict | None = None
        while result is None:
            try:
                result = queue.get(timeout=5)
            except Exception:
                if not proc.is_alive():
                    result = {"error": f"child exited with code {proc.exitcode}"}
        proc.join()
    return result


def machine_info(threads: list[int], device: str) -> dict:
    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "threads": threads,
        "device": device,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def _exact(ours: dict) -> str:
    if "rows_checked" not in ours:
        return "-"
    return f"{ours['rows_checked'] - ours['rows_different']}/{ours['rows_checked']} rows equal"


def compare(n: int, projection: str, threads: int, device: str) -> dict[str, Any]:
    """Time sklearn and ours on the same random float32 data; print one row of the table."""
    X = random_float(n)
    Y = pca_2d(X) if projection == "pca" else random_2d(n)
    sk = run_case("sklearn", X, Y, threads, device)
    ours = run_case("ours", X, Y, threads, device)
    row: dict[str, Any] = {
        "n": n, "projection": projection, "threads": threads, "sklearn": sk, "ours": ours,
    }  # fmt: skip
    if "error" in sk or "error" in ours:
        print(f"{n:>6} {projection:>6} {threads}t | sklearn: {sk.get('error', 'ok')}; "
              f"ours: {ours.get('error', 'ok')}", flush=True)  # fmt: skip
        return row
    row["speedup"] = sk["time_s"] / ours["time_s"]
    row["memory_ratio"] = ours["metric_rss_mb"] / max(sk["metric_rss_mb"], 1.0)
    row["abs_diff_T"] = abs(sk["T"] - ours["T"])
    row["abs_diff_C"] = abs(sk["C"] - ours["C"])
    print(
        f"{n:>6} {projection:>6} {threads}t | {sk['time_s']:>8.2f} {ours['time_s']:>7.2f} "
        f"{row['speedup']:>6.1f}x | {sk['metric_rss_mb']:>6.0f} {ours['metric_rss_mb']:>6.0f} "
        f"{row['memory_ratio']:>5.2f} | {row['abs_diff_T']:>7.1e} {row['abs_diff_C']:>7.1e} | "
        f"{_exact(ours)}",
        flush=True,
    )
    return row


def large(kind: str, threads: int, device: str) -> dict[str, Any]:
    X = images_8bit(LARGE) if kind == "8-bit" else images_float(LARGE)
    Y = pca_2d(X)
    ours = run_case("ours", X, Y, threads, device)
    del X, Y
    row = {"n": LARGE, "data": kind, "threads": threads, "ours": ours}
    if "error" in ours:
        print(f"{LARGE} {kind:>6} {threads}t | {ours['error']}", flush=True)
    else:
        floor = floor_s(LARGE, 784, ours["gemm_gflops"])
        row["floor_s"] = floor
        print(
            f"{LARGE} {kind:>6} {threads}t | {ours['time_s']:>7.1f} s | floor {floor:5.1f} s "
            f"(float32 products at {ours['gemm_gflops']:.0f} GFLOP/s), ours/floor "
            f"{ours['time_s'] / floor:4.2f} | call {ours['metric_rss_mb']:>5.0f} MB above the "
            f"RSS before it (process peak {ours['peak_rss_mb']:.0f} MB) | T={ours['T']:.6f} "
            f"C={ours['C']:.6f} | {_exact(ours)}",
            flush=True,
        )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only n=5,000, no 70k")
    parser.add_argument("--sizes", type=int, nargs="+", help="compared sizes (70000: large)")
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)"
    )
    parser.add_argument("--json", type=Path, help="write the results here instead of stdout")
    parser.add_argument(
        "--device", default=None, help="device for ours: cpu or cuda (default: cuda if present)"
    )
    args = parser.parse_args(argv)
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    info = machine_info(args.threads, device)
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    if args.sizes:
        sizes = [n for n in args.sizes if n != LARGE]
        run_large = LARGE in args.sizes
    else:
        sizes = [SIZES[0]] if args.quick else list(SIZES)
        run_large = not args.quick
    cases = []
    if sizes:
        print(f"\nrandom 784-d float32 data, n_neighbors={N_NEIGHBORS}; sklearn = T + C (two "
              "calls); MB = peak RSS during the call above the RSS before it; mem = ours / sklearn")  # fmt: skip
        header = (
            f"{'n':>6} {'proj':>6} th | {'sklearn s':>8} {'ours s':>7} {'speed':>7} | "
            f"{'sk MB':>6} {'ours':>6} {'mem':>5} | {'|dT|':>7} {'|dC|':>7} | exact"
        )
        print(header + "\n" + "-" * len(header), flush=True)
        for n in sizes:
            for projection in ("random", "pca"):
                for threads in args.threads:
                    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                        os.environ[var] = str(threads)
                    cases.append(compare(n, projection, threads, device))
    larges = []
    if run_large:
        print(f"\nours alone at n={LARGE}, d=784, 2-D PCA projection")
        plan = [("8-bit", max(args.threads))]
        plan += [("8-bit", 1)] if 1 in args.threads and max(args.threads) != 1 else []
        plan += [("float", max(args.threads))]
        for kind, threads in plan:
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                os.environ[var] = str(threads)
            larges.append(large(kind, threads, device))
    result = {"machine": info, "n_neighbors": N_NEIGHBORS, "cases": cases, "large": larges}
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
        print(f"\nwrote {args.json}")
    else:
        print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
