"""The benchmark harness: collects figures and appends them to RESULTS.md."""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import uuid
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: str | None = None
    target: str | None = None


@dataclass
class Report:
    benchmark: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str = "s", *, baseline: str | None = None,
            target: str | None = None) -> Figure:
        """Record one figure; ``baseline`` names an earlier figure of this run to compare with."""
        fig = Figure(name, float(value), unit, baseline, target)
        self.figures.append(fig)
        print(f"  {name}: {_fmt(fig.value)} {unit}" + (f"  ({self.ratio(fig)})" if baseline else ""),
              flush=True)
        return fig

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def ratio(self, fig: Figure) -> str:
        base = next((f for f in self.figures if f.name == fig.baseline), None)
        if base is None or base.value == 0:
            return ""
        return f"{fig.value / base.value:.2f}x {base.name}"

    def markdown(self) -> str:
        lines = [
            f"## {self.benchmark} — {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
            "",
            f"Machine: {machine()}",
            "",
            "| figure | value | unit | ratio to baseline | target |",
            "|---|---|---|---|---|",
        ]
        for f in self.figures:
            lines.append(f"| {f.name} | {_fmt(f.value)} | {f.unit} | {self.ratio(f) if f.baseline else ''} "
                         f"| {f.target or ''} |")
        lines += [""] + [f"- {n}" for n in self.notes] + ([""] if self.notes else [])
        return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.node()} · {cpu or platform.processor()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()} · {platform.system()} {platform.release()}")


def record(report: Report) -> None:
    header = "" if RESULTS.exists() else "# Benchmark results\n\nAppended by `python -m benchmarks NAME`.\n\n"
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(header + report.markdown() + "\n")


def _fmt(v: float) -> str:
    if v == 0 or abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PgSchema(NamedTuple):
    url: str   # connections through this URL use the schema
    name: str


@contextlib.contextmanager
def pg_schema(report: Report) -> Iterator[PgSchema | None]:
    """A throwaway PostgreSQL schema (``DATABASE_URL`` or the local server), dropped afterwards;
    None (with a note in the report) when PostgreSQL is not reachable."""
    import sqlalchemy as sa

    from schema_store.database import create_engine

    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith("postgres") else DEFAULT_PG
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.schema.CreateSchema(schema))
    except sa.exc.OperationalError as exc:
        report.note(f"PostgreSQL not reachable, skipped: {exc.orig}")
        admin.dispose()
        yield None
        return
    try:
        yield PgSchema(sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
                       .render_as_string(hide_password=False), schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


def make_app(instance: str | Path, database_url: str | None = None, redis_url: str | None = None):
    """The whole app (runtime + designer, hooks and all) on a throwaway instance folder."""
    from wsgi import create_app

    config: dict = {"instance_path": Path(instance), "redis_url": redis_url, "testing": True,
                    "secret_key": "benchmark-secret-key-0123456789"}
    if database_url:
        config["database_url"] = database_url
    return create_app(config)
