"""python -m selfimprove.claims results/<experiment> [...]: PASS or FAIL per claim; exit status 1 on any FAIL."""

from __future__ import annotations

import argparse
import sys

from selfimprove.claims.base import ClaimError
from selfimprove.claims.check import check


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selfimprove.claims", description=__doc__)
    parser.add_argument("results", nargs="+", help="a finished experiment's folder, results/<experiment>")
    args = parser.parse_args(argv)
    failed = 0
    for results in args.results:
        try:
            verdict = check(results)
        except ClaimError as err:
            print(f"FAIL  {results}: {err}")
            failed += 1
            continue
        print(f"{results}:")
        print("\n".join(verdict.lines()))
        failed += not verdict.passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
