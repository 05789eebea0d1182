"""Run every benchmark, one after another, writing JSON to benchmarks/results/.

python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_metrics",
    "bench_training",
    "bench_first_latent",
    "bench_repeats",
    "bench_seeds",
    "bench_api",
    "bench_browser",
]


def main() -> int:
    extra = sys.argv[1:]
    failed = []
    for name in BENCHES:
        print(f"\n=== {name} ===", flush=True)
        out = HERE / "results" / f"{name}.json"
        rc = subprocess.call([sys.executable, str(HERE / f"{name}.py"), "--json", str(out), *extra])
        if rc != 0:
            failed.append(name)
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
