"""The running app's view of the published metadata: the live AppSchema through the app's cache."""
from __future__ import annotations

from schema_store import AppSchema

from runtime.services import services


def live_schema() -> AppSchema:
    """The live AppSchema (version 0 with no objects before the first publish)."""
    svc = services()
    with svc.engine.connect() as conn:
        return svc.schema_cache.get(conn)


SYSTEM_FIELDS = {"id": "number", "owner": "lookup", "created_at": "datetime", "created_by": "lookup",
                 "updated_at": "datetime", "updated_by": "lookup", "stage": "text",
                 "stage_entered_at": "datetime", "last_activity_at": "datetime"}


def expression_fields(schema: AppSchema, object_name: str) -> dict:
    """Field path -> type spec for type-checking an expression on ``object_name`` (own fields,
    system columns, and one level through each lookup)."""
    import expression

    def spec(f):
        return expression.FieldSpec(f.expr_type, options=f.option_values) if f.options else f.expr_type

    obj = schema.object(object_name)
    fields: dict = dict(SYSTEM_FIELDS)
    for f in obj.fields.values():
        fields[f.name] = spec(f)
        if f.type == "lookup" and f.target in schema.objects:
            for g in schema.object(f.target).fields.values():
                fields[f"{f.name}.{g.name}"] = spec(g)
    return fields
