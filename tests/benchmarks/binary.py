"""The compiled program against the virtualenv's: first start and registration.

Run: python -m tests.benchmarks.binary PROGRAM PHOTOS [--runs N]
PROGRAM is a built `hotprevue` (python -m installers.build); the baseline is the
`hotprevue` of this virtualenv, run the same way (empty environment, fresh catalog),
alternating with the binary so both see the same machine. Target (issue 11): the
binary is not slower at registering than the virtualenv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from installers.smoke import registered

BASELINE = str(Path(sys.executable).with_name("hotprevue"))


def measure(program: str, photos: Path) -> tuple[float, float, int]:
    """Seconds to /health on a first start, seconds to register, photos registered."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        # The embedded PostgreSQL may run as another user (under root): let it in.
        home.chmod(0o755)
        with registered(program, [photos], home) as (_, report):
            return (
                report.seconds["first start to /health"],
                report.seconds["registration"],
                len(report.hothashes),
            )


def main() -> None:
    """Print medians for both programs and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("program", help="the built hotprevue")
    parser.add_argument("photos", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    photos = args.photos.resolve()
    results: dict[str, list[tuple[float, float, int]]] = {args.program: [], BASELINE: []}
    for _ in range(args.runs):
        for program, runs in results.items():
            runs.append(measure(program, photos))
    medians = {}
    for program, runs in results.items():
        start = statistics.median(r[0] for r in runs)
        register = statistics.median(r[1] for r in runs)
        count = runs[0][2]
        medians[program] = register
        print(
            f"{program}: first start to /health {start:.2f} s, "
            f"{count} photos registered in {register:.2f} s ({count / register:.1f}/s)"
        )
    ratio = medians[args.program] / medians[BASELINE]
    print(f"binary registration time / virtualenv's: {ratio:.2f}")


if __name__ == "__main__":
    main()
