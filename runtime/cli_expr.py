"""``crm expr check`` and ``crm expr eval``: try a formula from the shell."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import click
from flask.cli import with_appcontext

import expression
from runtime.services import services


def _fail(err: expression.ExpressionError) -> None:
    click.echo(str(err), err=True)
    raise SystemExit(2)


def _object_fields(object_name: str) -> dict:
    from runtime.schema_access import expression_fields, live_schema
    schema = live_schema()
    if schema is None or object_name not in schema.objects:
        known = ", ".join(sorted(schema.objects)) if schema else ""
        click.echo(f"error: unknown object {object_name!r}" + (f"; objects: {known}" if known else
                   " (nothing is published yet)"), err=True)
        raise SystemExit(2)
    return expression_fields(schema, object_name)


@click.group("expr")
def expr() -> None:
    """Check and evaluate expressions."""


@expr.command("check")
@click.argument("source")
@click.option("--object", "object_name", help="Type-check against this object's fields.")
@click.option("--expect", help="Required result type, e.g. boolean.")
@with_appcontext
def check(source: str, object_name: str | None, expect: str | None) -> None:
    """Parse and type-check EXPR; print its type and whether it can run in SQL."""
    fields = _object_fields(object_name) if object_name else {}
    try:
        compiled = expression.compile(source, fields=fields, expect=expect)
    except expression.ExpressionError as err:
        _fail(err)
    click.echo(f"type: {compiled.type}")
    click.echo(f"sql: {'yes' if compiled.sql_capable else 'no'}"
               + ("" if compiled.sql_capable else f" ({_reason(compiled.sql_reason)})"))
    if compiled.references:
        click.echo(f"reads: {', '.join(sorted(compiled.references))}")


@expr.command("eval")
@click.argument("source")
@click.option("--record", "record_json", default="{}", help='Field values as JSON, e.g. {"budget": 12.5}.')
@with_appcontext
def evaluate(source: str, record_json: str) -> None:
    """Evaluate EXPR against the values in --record (types inferred from the JSON)."""
    try:
        values = json.loads(record_json, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        click.echo(f"error: --record is not JSON: {exc.msg} at column {exc.colno}", err=True)
        raise SystemExit(2)
    if not isinstance(values, dict):
        click.echo("error: --record must be a JSON object", err=True)
        raise SystemExit(2)
    svc = services()
    try:
        result = expression.evaluate(source, values, now=svc.clock.now(), tz=svc.settings.tz)
    except expression.ExpressionError as err:
        _fail(err)
    click.echo(format_value(result))


def format_value(value: object) -> str:
    if value is None:
        return "BLANK"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        return text
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return ";".join(str(v) for v in value)
    return str(value)


def _reason(reason: object) -> str:
    if isinstance(reason, dict):
        return reason.get("en") or next(iter(reason.values()), "")
    return str(reason or "")
