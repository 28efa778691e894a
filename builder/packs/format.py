"""The pack format: a folder (or a .zip of one) with ``pack.json``, a metadata fragment, reference
data files, an optional demo generator and a README. Loading does the I/O; validation collects
every problem with its file and JSON pointer (see docs/packs.md)."""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jsonschema

LABEL = {"type": "object", "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
         "additionalProperties": False, "minProperties": 1}
NAME = "^[a-z][a-z0-9_]{0,30}$"
VERSION = r"^\d+(\.\d+){0,2}$"
SPEC = r"^(>=|<=|==|>|<|~=)?\s*\d+(\.\d+){0,2}$"

PACK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "pack.json",
    "type": "object",
    "required": ["name", "version", "title"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": NAME},
        "version": {"type": "string", "pattern": VERSION},
        "title": LABEL,
        "description": LABEL,
        "namespace": {"type": "string", "pattern": NAME},
        "requires": {"type": "object", "additionalProperties": False, "properties": {
            "engine": {"type": "string", "pattern": SPEC},
            "packs": {"type": "object", "additionalProperties": {"type": "string", "pattern": SPEC}}}},
        "metadata": {"type": "string", "default": "metadata.json"},
        "data": {"type": "array", "items": {
            "type": "object", "required": ["object", "file", "key"], "additionalProperties": False,
            "properties": {"object": {"type": "string"}, "file": {"type": "string"},
                           "key": {"type": "string"}, "label": LABEL}}},
        "demo": {"type": "string"},
        "readme": {"type": "string", "default": "README.md"},
    },
}


@dataclass(frozen=True)
class PackProblem:
    """One problem of a pack: where (file + JSON pointer), a stable code, a bilingual message."""

    file: str
    path: str
    code: str
    messages: Mapping[str, str]

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()))

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"file": self.file, "path": self.path, "code": self.code, "message": self.message(lang),
                "messages": dict(self.messages)}

    def __str__(self) -> str:
        return f"{self.file}#{self.path or '/'}: {self.message('en')}"


class PackInvalid(Exception):
    """The pack cannot be imported; ``.problems`` says why, every one of them."""

    def __init__(self, problems: list[PackProblem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def problem(file: str, path: str, code: str, en: str, zh: str) -> PackProblem:
    return PackProblem(file, path, code, {"en": en, "zh-CN": zh})


@dataclass(frozen=True)
class DataSet:
    object: str
    file: str
    key: str
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Pack:
    """A loaded pack: its manifest, metadata fragment, reference data and files (name -> bytes)."""

    manifest: Mapping[str, Any]
    metadata: dict[str, Any]
    data: tuple[DataSet, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    source: str = ""

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def namespace(self) -> str | None:
        return self.manifest.get("namespace")

    @property
    def metadata_file(self) -> str:
        return self.manifest.get("metadata", "metadata.json")


def read_files(source: str | Path | bytes) -> dict[str, bytes]:
    """Every file of a pack folder or zip (bytes or path), by its path inside the pack."""
    if isinstance(source, bytes):
        return _from_zip(zipfile.ZipFile(io.BytesIO(source)))
    path = Path(source)
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return _from_zip(zf)
    if not path.is_dir():
        raise PackInvalid([problem(str(path), "", "pack.not_found", f"no pack folder or .zip at {path}",
                                   f"{path} 处没有扩展包文件夹或 .zip")])
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _from_zip(zf: zipfile.ZipFile) -> dict[str, bytes]:
    names = [n for n in zf.namelist() if not n.endswith("/")]
    # a zip of the folder: strip the one top-level directory when pack.json sits inside it
    prefix = ""
    if "pack.json" not in names:
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) == 1 and f"{next(iter(tops))}/pack.json" in names:
            prefix = next(iter(tops)) + "/"
    out = {}
    for n in names:
        rel = n[len(prefix):]
        if not rel or ".." in rel.split("/") or rel.startswith("/"):
            continue
        out[rel] = zf.read(n)
    return out


def _json(files: Mapping[str, bytes], name: str, problems: list[PackProblem]) -> Any:
    raw = files.get(name)
    if raw is None:
        problems.append(problem(name, "", "pack.missing_file", f"the pack has no file {name}",
                                f"扩展包缺少文件 {name}"))
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(problem(name, "", "pack.json_syntax", f"{name} is not valid JSON: {exc}",
                                f"{name} 不是合法的 JSON：{exc}"))
        return None


def _pointer(parts) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def load_pack(source: str | Path | bytes) -> Pack:
    """Read and check the pack's own format (manifest schema, files, namespace); raises PackInvalid."""
    files = read_files(source)
    problems: list[PackProblem] = []
    manifest = _json(files, "pack.json", problems)
    if manifest is None:
        raise PackInvalid(problems)
    validator = jsonschema.Draft202012Validator(PACK_SCHEMA)
    for err in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        problems.append(problem("pack.json", _pointer(err.absolute_path), f"pack.schema.{err.validator}",
                                err.message, f"pack.json 不符合格式：{err.message}"))
    if problems:
        raise PackInvalid(problems)
    meta_name = manifest.get("metadata", "metadata.json")
    metadata = _json(files, meta_name, problems)
    if metadata is not None and not isinstance(metadata, dict):
        problems.append(problem(meta_name, "", "pack.not_object", "the metadata fragment must be a JSON object",
                                "元数据片段必须是 JSON 对象"))
        metadata = None
    data = []
    for i, spec in enumerate(manifest.get("data", [])):
        rows = _json(files, spec["file"], problems)
        if rows is None:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            problems.append(problem(spec["file"], "", "pack.data_shape", "a data file is a JSON list of objects",
                                    "数据文件必须是对象的 JSON 列表"))
            continue
        for j, row in enumerate(rows):
            if row.get(spec["key"]) in (None, ""):
                problems.append(problem(spec["file"], f"/{j}/{spec['key']}", "pack.data_key",
                                        f"every row needs its key field '{spec['key']}'",
                                        f"每行都需要键字段 “{spec['key']}”"))
        objects = (metadata or {}).get("objects", {})
        if metadata is not None and spec["object"] not in objects:
            problems.append(problem("pack.json", f"/data/{i}/object", "pack.data_object",
                                    f"object '{spec['object']}' is not in the pack's metadata",
                                    f"扩展包元数据中没有对象 “{spec['object']}”"))
        data.append(DataSet(spec["object"], spec["file"], spec["key"], tuple(rows)))
    for name in (manifest.get("demo"), manifest.get("readme", "README.md")):
        if name and name not in files:
            problems.append(problem(name, "", "pack.missing_file", f"the pack has no file {name}",
                                    f"扩展包缺少文件 {name}"))
    if metadata is not None and manifest.get("namespace"):
        problems += namespace_problems(meta_name, metadata, manifest["namespace"])
    if problems:
        raise PackInvalid(problems)
    return Pack(manifest, metadata or {}, tuple(data), files, str(source) if not isinstance(source, bytes) else "upload")


NAMESPACED = ("objects", "approvals", "scoring", "duplicates", "forms", "reports", "roles", "teams")


def namespace_problems(file: str, metadata: Mapping[str, Any], namespace: str) -> list[PackProblem]:
    """Every name a pack adds must start with ``<namespace>_`` so that packs can coexist."""
    prefix = namespace + "_"
    out = []

    def check(path: str, name: str) -> None:
        if not name.startswith(prefix):
            out.append(problem(file, path, "pack.namespace", f"'{name}' must start with '{prefix}' (the pack's namespace)",
                               f"“{name}” 必须以扩展包命名空间前缀 “{prefix}” 开头"))
    for section in NAMESPACED:
        for name in (metadata.get(section) or {}):
            check(f"/{section}/{name}", name)
    for i, rule in enumerate(metadata.get("rules") or []):
        if isinstance(rule, dict) and isinstance(rule.get("key"), str):
            check(f"/rules/{i}/key", rule["key"])
    for section in ("pools", "routes"):
        for name in ((metadata.get("assignment") or {}).get(section) or {}):
            check(f"/assignment/{section}/{name}", name)
    return out


def parse_version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def satisfies(version: str, spec: str) -> bool:
    match = re.match(r"^(>=|<=|==|>|<|~=)?\s*(.+)$", spec.strip())
    op, want = (match.group(1) or ">="), parse_version(match.group(2))
    have = parse_version(version)
    return {">=": have >= want, "<=": have <= want, "==": have == want, ">": have > want, "<": have < want,
            "~=": have >= want and have[0] == want[0]}[op]
