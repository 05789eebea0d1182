"""Exact trustworthiness/continuity: scikit-learn versus latent_explorer.core.metrics.

Usage::

    python benchmarks/bench_metrics.py [--quick] [--sizes N ...] [--threads N] [--json PATH]

For n = 2,000, 5,000 and 10,000 points of 784-D data (MNIST test images when the files are
found, else structured synthetic data) with a 2-D PCA projection, it times
``sklearn.manifold.trustworthiness`` twice (T, and C as T with the spaces swapped) against one
call of ``trustworthiness_continuity`` (T and C together) and compares peak memory. Then it
runs ours alone at n = 70,000 (MNIST-like: the 10,000 test images repeated with pixel noise).
``--quick`` stops after 2,000 and 5,000 points; ``--sizes`` picks the sizes (no 70k run
unless 70000 is among them), e.g. ``--sizes 5000 --repeat 3`` to watch one case closely.

Every case runs in a fresh ``spawn`` subprocess that loads its inputs from ``.npy`` files,
so the reported peak RSS (``ru_maxrss``) belongs to that case alone; the RSS after loading
the inputs is reported too, so the metric's own share is visible. Nothing is asserted:
timings on a shared 2-core machine vary by 10-20 %.
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
SIZES = (2_000, 5_000, 10_000)
QUICK_SIZES = (2_000, 5_000)
LARGE = 70_000
N_NEIGHBORS = 7
MNIST_IMAGES = "mnist/t10k-images-idx3-ubyte.gz"


def _data_dir() -> Path:
    env = os.environ.get("LATENT_EXPLORER_DATA")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


def _load_mnist() -> np.ndarray | None:
    """The 10,000 MNIST test images as float64 in [0, 1], or None when the file is absent."""
    path = _data_dir() / MNIST_IMAGES
    if not path.is_file():
        return None
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    # IDX format: 16-byte header (magic, count, rows, cols), then uint8 pixels.
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784) / 255.0


def _synthetic(n: int, seed: int) -> np.ndarray:
    """Low-rank clustered structure plus noise in 784-D: neighbourhoods are meaningful."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(10, 20))
    latent = centres[rng.integers(0, 10, n)] + rng.normal(size=(n, 20))
    mixing = rng.normal(size=(20, 784)) / np.sqrt(20)
    return np.tanh(latent @ mixing) + 0.3 * rng.normal(size=(n, 784))


def make_data(n: int, source: str, seed: int = 0) -> np.ndarray:
    """n x 784 float64 data: MNIST test images (repeated with noise beyond 10,000) or synthetic."""
    if source == "synthetic":
        return _synthetic(n, seed)
    images = _load_mnist()
    assert images is not None
    if n <= len(images):
        return images[np.random.default_rng(seed).permutation(len(images))[:n]]
    # Beyond the 10,000 test images: repeat them with pixel noise, so there are no exact
    # duplicates and neighbourhoods still look like MNIST's.
    rng = np.random.default_rng(seed)
    reps = -(-n // len(images))
    parts = [images] + [
        np.clip(images + rng.normal(scale=0.1, size=images.shape), 0.0, 1.0)
        for _ in range(reps - 1)
    ]
    return np.concatenate(parts)[:n]


def pca_2d(X: np.ndarray) -> np.ndarray:
    """2-D PCA projection (principal axes fitted on at most 5,000 rows)."""
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred[:5000], full_matrices=False)
    return centred @ vt[:2].T


def _rss_now_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
            t0 = time.perf_counter()
            out["T"] = float(trustworthiness(X, Y, n_neighbors=N_NEIGHBORS))
            out["time_T_s"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            out["C"] = float(trustworthiness(Y, X, n_neighbors=N_NEIGHBORS))
            out["time_C_s"] = time.perf_counter() - t1
            out["time_s"] = out["time_T_s"] + out["time_C_s"]
        else:
            t0 = time.perf_counter()
            res = trustworthiness_continuity(
                X, Y, n_neighbors=N_NEIGHBORS, device=device, n_threads=threads
            )
            out["time_s"] = time.perf_counter() - t0
            out["T"], out["C"] = res.trustworthiness, res.continuity
        out["peak_rss_mb"] = _peak_rss_mb()
        out["metric_rss_mb"] = out["peak_rss_mb"] - loaded
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


def machine_info(threads: int, device: str) -> dict:
    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "threads": threads,
        "device": device,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def _fmt(v: Any, spec: str) -> str:
    return format(v, spec) if isinstance(v, (int, float)) else str(v)


def compare(n: int, source: str, threads: int, device: str) -> dict[str, Any]:
    """Time sklearn and ours on the same n points and print one row of the table."""
    X = make_data(n, source)
    Y = pca_2d(X)
    sk = run_case("sklearn", X, Y, threads, device)
    ours = run_case("ours", X, Y, threads, device)
    row: dict[str, Any] = {"n": n, "d": X.shape[1], "sklearn": sk, "ours": ours}
    if "error" in sk or "error" in ours:
        print(f"{n:>7} | sklearn: {sk.get('error', 'ok')}; ours: {ours.get('error', 'ok')}")
        return row
    row["speedup"] = sk["time_s"] / ours["time_s"]
    row["memory_ratio"] = sk["peak_rss_mb"] / ours["peak_rss_mb"]
    row["abs_diff_T"] = abs(sk["T"] - ours["T"])
    row["abs_diff_C"] = abs(sk["C"] - ours["C"])
    print(
        f"{n:>7} | {sk['time_s']:>9.2f} {ours['time_s']:>7.2f} {row['speedup']:>6.1f}x | "
        f"{sk['peak_rss_mb']:>7.0f} {ours['peak_rss_mb']:>7.0f} "
        f"{row['memory_ratio']:>5.1f}x | {row['abs_diff_T']:>8.1e} "
        f"{row['abs_diff_C']:>8.1e} | {ours['T']:>8.5f} {ours['C']:>8.5f}",
        flush=True,
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only n=2,000 and 5,000; no 70k")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="compare at these n only (70000 runs ours alone, as in the full run)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        choices=range(1, 101),
        metavar="R",
        help="run each comparison R times (default 1)",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch/BLAS threads (default 2)")
    parser.add_argument("--json", type=Path, help="write the results here instead of stdout")
    parser.add_argument(
        "--device", default=None, help="device for ours: cpu or cuda (default: cuda if present)"
    )
    parser.add_argument(
        "--data", choices=("auto", "mnist", "synthetic"), default="auto", help="input data"
    )
    args = parser.parse_args(argv)

    # Children inherit the environment: pin every BLAS/OpenMP pool, not only torch's.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    source = args.data
    if source == "auto":
        source = "mnist" if (_data_dir() / MNIST_IMAGES).is_file() else "synthetic"
    if source == "mnist" and _load_mnist() is None:
        parser.error(f"--data mnist: {_data_dir() / MNIST_IMAGES} not found")

    info = machine_info(args.threads, device)
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    print(f"data: {source}, d=784, Y = 2-D PCA, n_neighbors={N_NEIGHBORS}\n", flush=True)

    if args.sizes:
        sizes = [n for n in args.sizes if n != LARGE]
        run_large = LARGE in args.sizes
    else:
        sizes = list(QUICK_SIZES if args.quick else SIZES)
        run_large = not args.quick
    cases = []
    if sizes:
        header = (
            f"{'n':>7} | {'sklearn s':>9} {'ours s':>7} {'speedup':>7} | "
            f"{'sk MB':>7} {'ours MB':>7} {'mem x':>6} | {'|dT|':>8} {'|dC|':>8} | "
            f"{'T':>8} {'C':>8}"
        )
        print(header)
        print("-" * len(header), flush=True)
        for n in sizes:
            cases += [compare(n, source, args.threads, device) for _ in range(args.repeat)]
        print(
            "(sklearn s = T + C as two calls; peak MB = child's peak RSS incl. ~"
            f"{_fmt(cases[0]['ours'].get('rss_after_load_mb'), '.0f')} MB of interpreter, "
            "libraries and inputs)",
            flush=True,
        )
        if source == "mnist":
            print(
                "(|dT|, |dC| > 0 on MNIST come from exactly tied distances between 8-bit "
                "images, which each implementation orders by its own rounding; on tie-free "
                "data such as --data synthetic both are 0)",
                flush=True,
            )

    large: dict[str, Any] | None = None
    if run_large:
        X = make_data(LARGE, source)
        Y = pca_2d(X)
        ours = run_case("ours", X, Y, args.threads, device)
        large = {"n": LARGE, "d": X.shape[1], "ours": ours}
        del X, Y
        if "error" in ours:
            print(f"\nn={LARGE}: {ours['error']}")
        else:
            print(
                f"\nours alone, n={LARGE}, d=784: {ours['time_s']:.1f} s, peak RSS "
                f"{ours['peak_rss_mb']:.0f} MB ({ours['metric_rss_mb']:.0f} MB above the "
                f"loaded inputs), T={ours['T']:.6f}, C={ours['C']:.6f}"
            )

    result = {
        "machine": info,
        "data": source,
        "n_neighbors": N_NEIGHBORS,
        "cases": cases,
        "large": large,
    }
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
