"""``python -m benchmarks NAME [NAME...]``: run benchmarks and append results to RESULTS.md."""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import benchmarks
from benchmarks.harness import Report, record


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                  if m.name not in {"harness", "__main__"} and not m.name.startswith("_"))


ALIASES = {"import": "imports"}  # `python -m benchmarks import` (a module cannot be called import)


def main(argv: list[str]) -> int:
    argv = list(argv)
    if "--rows" in argv:  # the imports benchmark: `python -m benchmarks import --rows 10000`
        at = argv.index("--rows")
        os.environ["BENCH_IMPORT_ROWS"] = argv[at + 1] if at + 1 < len(argv) else ""
        del argv[at:at + 2]
    names = [ALIASES.get(n, n) for n in argv]
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
