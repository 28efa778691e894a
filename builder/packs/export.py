"""Export the live app (and chosen reference data) as a pack folder or .zip."""
from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from builder.packs.installer import installed, live_document

SKIP_TYPES = {"formula", "rollup", "autonumber", "file", "user"}


def _key_field(app: Any, object_name: str, keys: dict[str, str]) -> str:
    if object_name in keys:
        return keys[object_name]
    obj = app.object(object_name)
    unique = [f.name for f in obj.fields.values() if getattr(f, "unique", False) and f.type not in SKIP_TYPES]
    return unique[0] if unique else (obj.title_field or "id")


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def build_files(conn: sa.Connection, app: Any, *, name: str, version: str, title: dict[str, str] | None,
                data_objects: list[str]) -> dict[str, bytes]:
    """The files of a pack holding the live app and the records of ``data_objects``."""
    document = live_document(conn)
    keys = {d["object"]: d["key"] for p in installed(conn).values() for d in p["data_sets"]}
    files: dict[str, bytes] = {"metadata.json": _dump(document)}
    data_specs = []
    for object_name in data_objects:
        obj = app.object(object_name)
        key = _key_field(app, object_name, keys)
        table = app.table(object_name)
        rows = conn.execute(sa.select(table).where(table.c.deleted_at.is_(None)).order_by(table.c.id)).mappings()
        out = []
        for row in rows:
            record: dict[str, Any] = {}
            for f in obj.fields.values():
                if f.type in SKIP_TYPES or f.name not in row or row[f.name] is None:
                    continue
                value = row[f.name]
                if f.type == "lookup":
                    target_key = _key_field(app, f.target, keys)
                    if f.target not in data_objects or target_key == "id":
                        continue
                    t = app.table(f.target)
                    value = {"$key": conn.execute(sa.select(t.c[target_key]).where(t.c.id == value)).scalar()}
                elif f.type == "multi_picklist" and isinstance(value, str):
                    value = [v for v in value.split(";") if v]
                record[f.name] = _plain(value)
            out.append(record)
        path = f"data/{object_name}.json"
        files[path] = _dump(out)
        data_specs.append({"object": object_name, "file": path, "key": key})
    manifest = {"name": name, "version": version, "title": title or {"zh-CN": name, "en": name},
                "description": {"en": f"Exported on {dt.date.today().isoformat()}"},
                "metadata": "metadata.json", "data": data_specs, "readme": "README.md"}
    files["pack.json"] = _dump(manifest)
    files["README.md"] = (f"# {name} {version}\n\nExported from a running instance with `crm pack export`.\n"
                          f"Import it with `crm pack import PATH`.\n").encode("utf-8")
    return files


def write_pack(files: dict[str, bytes], out: str | Path) -> Path:
    out = Path(out)
    if out.suffix == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in sorted(files.items()):
                zf.writestr(name, content)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buffer.getvalue())
        return out
    for name, content in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return out


def _dump(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
