"""The per-process AppSchema cache: built once per version, picks up publishes from anywhere."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from schema_store import SchemaCache, publish
from tests.schema_store.builders import make_doc

ROOT = Path(__file__).resolve().parents[2]


def test_empty_before_the_first_publish_then_one_build_per_version(engine):
    cache = SchemaCache()
    with engine.connect() as conn:
        empty = cache.get(conn)
        assert empty.version == 0 and dict(empty.objects) == {}
    publish(engine, make_doc())
    with engine.connect() as conn:
        first = cache.get(conn)
        assert first.version == 1 and "lead" in first.objects
        assert cache.get(conn) is first
    publish(engine, make_doc(objects__lead__fields__score={"type": "number"}), cache=cache)
    with engine.connect() as conn:
        second = cache.get(conn)
    assert second.version == 2 and "score" in second.objects["lead"].fields
    assert cache.peek(1) is first


def test_old_versions_are_evicted():
    from schema_store.compile import compile_app

    cache = SchemaCache(keep=2)
    for v in (1, 2, 3):
        cache.put(compile_app(make_doc(), v))
    assert cache.peek(1) is None and cache.peek(3) is not None


CHILD = textwrap.dedent("""
    import sys
    from schema_store import SchemaCache, create_engine
    engine = create_engine(sys.argv[1])
    cache = SchemaCache()
    for line in sys.stdin:
        with engine.connect() as conn:
            app = cache.get(conn)
        print(app.version, ",".join(sorted(app.objects["lead"].fields)), flush=True)
""")


def test_a_field_published_in_one_process_is_usable_in_another_on_its_next_request(engine, db_url):
    publish(engine, make_doc())
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def request() -> tuple[int, list[str]]:
            child.stdin.write("get\n")
            child.stdin.flush()
            line = child.stdout.readline()
            assert line, child.stderr.read()
            version, fields = line.split()
            return int(version), fields.split(",")

        version, fields = request()
        assert version == 1 and "score" not in fields
        publish(engine, make_doc(objects__lead__fields__score={"type": "number"}))
        version, fields = request()
        assert version == 2 and "score" in fields
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def test_a_published_version_still_loads_when_the_schema_became_stricter(engine):
    """A name reserved after it was published (say a new function's name) must not break the app."""
    import datetime as dt
    import json

    import sqlalchemy as sa

    from schema_store.meta import ensure_meta_tables, meta_live, meta_versions

    doc = make_doc(objects__lead__fields__datevalue={"type": "date"})
    with engine.begin() as conn:
        ensure_meta_tables(conn)
        conn.execute(meta_versions.insert().values(version=1, document=json.dumps(doc), checksum="x",
                                                   published_at=dt.datetime.now(dt.timezone.utc)))
        conn.execute(sa.update(meta_live).values(version=1))
    with engine.connect() as conn:
        assert "datevalue" in SchemaCache().get(conn).objects["lead"].fields
