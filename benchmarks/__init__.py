"""Benchmarks: ``python -m benchmarks NAME`` runs ``benchmarks/NAME.py`` and records the result.

Each benchmark module exposes ``run(report: Report) -> None`` and calls ``report.add(...)`` for every
figure. A figure may name a baseline figure measured in the same run; the harness prints the ratio
and appends a section (machine, date, figures, ratios, targets) to ``benchmarks/RESULTS.md``.
Benchmarks are never part of the test run.
"""
