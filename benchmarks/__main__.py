"""``python -m benchmarks NAME [NAME...]``: run benchmarks and append results to RESULTS.md."""
from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks
from benchmarks.harness import Report, record


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                  if m.name not in {"harness", "__main__"} and not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or []
    if not names or any(n not in available() for n in names):
        print(f"usage: python -m benchmarks NAME...  (one of: {', '.join(available())})", file=sys.stderr)
        return 2
    for name in names:
        print(f"benchmark {name}", flush=True)
        report = Report(name)
        importlib.import_module(f"benchmarks.{name}").run(report)
        record(report)
        print(f"recorded in benchmarks/RESULTS.md", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
