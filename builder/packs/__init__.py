"""Industry packs: import (plan, three-way upgrade, atomic apply), export and demo data.

Public API::

    load_pack(path_or_zip_bytes) -> Pack                    # raises PackInvalid (file + JSON pointer)
    plan_import(conn, pack, prefer=None) -> ImportPlan      # changes nothing
    import_pack(svc, pack, actor_id=..., prefer=None) -> ImportResult   # one transaction
    build_files(conn, app, name=, version=, title=, data_objects=) / write_pack(files, out)
    load_demo(svc, pack, actor=, scale=1.0)
"""
from __future__ import annotations

from pathlib import Path

from builder.packs.export import build_files, write_pack
from builder.packs.format import Pack, PackInvalid, PackProblem, load_pack
from builder.packs.installer import ImportPlan, ImportRefused, ImportResult, import_pack, installed, plan_import
from builder.packs.tables import create_tables, installed_packs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "starter_templates"

__all__ = ["ImportPlan", "ImportRefused", "ImportResult", "Pack", "PackInvalid", "PackProblem", "TEMPLATES",
           "build_files", "create_tables", "import_pack", "installed", "installed_packs", "load_pack",
           "plan_import", "write_pack"]
