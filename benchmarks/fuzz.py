"""Long fuzz run of every reader and the strip digitizer (the test suite runs a short one).

Mutations of seeds made from the committed MIT-BIH excerpt (``tests/security/fuzzing.py``)
go through the upload check and the worker's full read. Reported per seed: inputs, accepted,
clean rejections (``InputError``), crashes (any other exception), hangs (over 20 s), the
slowest input and the process's peak memory.

    python benchmarks/fuzz.py --per-seed 300

Writes benchmarks/fuzz.json and the "fuzz" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnosis.ml.evaluate import update_section  # noqa: E402
from tests.security import fuzzing  # noqa: E402


def markdown(res: dict) -> str:
    lines = [
        "## Fuzzing the readers",
        "",
        f"{res['per_seed']} mutations of each seed (seed {res['seed']}), through the upload "
        "check and the worker's full read, on this machine "
        f"({res['machine']}); {res['seconds']:.0f} s in all, peak memory "
        f"{res['peak_rss_mb']:.0f} MB.",
        "",
        "| seed | inputs | accepted | clean rejections | crashes | hangs (> 20 s) | slowest |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in res["seeds"].items():
        total = r["accepted"] + r["rejected"] + r["crash"]
        lines.append(
            f"| {name} | {total} | {r['accepted']} | {r['rejected']} | {r['crash']} "
            f"| {r['hang']} | {r['slowest_s']:.2f} s |"
        )
    crashes = [f"{n}: {c}" for n, r in res["seeds"].items() for c in r["crashes"]]
    lines += ["", "Crashes: " + ("; ".join(crashes) if crashes else "none") + "."]
    lines += ["", "Reproduce: `python benchmarks/fuzz.py --per-seed 300`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-seed", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = fuzzing.fuzz(Path(tmp), args.per_seed, args.seed, report=print)
    res = {
        "per_seed": args.per_seed,
        "seed": args.seed,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seeds": seeds,
    }
    out = ROOT / "benchmarks"
    (out / "fuzz.json").write_text(json.dumps(res, indent=2) + "\n")
    update_section(out / "RESULTS.md", "fuzz", markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
