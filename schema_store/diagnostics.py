"""One shape for every problem a user can cause: code, bilingual message, JSON pointer, span, hint.

Validators collect all diagnostics and never stop at the first; the same objects serve the REST API
(422), the designer (message beside the input, caret at the span) and the CLI.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

LOCALES = ("en", "zh-CN")

Span = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based)


@dataclass(frozen=True, eq=True)
class Diagnostic:
    """A problem found in a metadata document or while publishing it."""

    code: str
    messages: Mapping[str, str]
    path: str = ""
    span: Span | None = None
    hint: str | Mapping[str, str] | None = None
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def message(self, locale: str = "en") -> str:
        return pick(self.messages, locale)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """The JSON shape of a diagnostic, with the message in ``locale`` (falling back)."""
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message(locale),
            "messages": dict(self.messages),
            "path": self.path,
            "span": None,
            "hint": None,
        }
        if self.span is not None:
            line, col, end_line, end_col = self.span
            out["span"] = {"line": line, "column": col, "end_line": end_line, "end_column": end_col}
        if self.hint is not None:
            out["hint"] = self.hint if isinstance(self.hint, str) else pick(self.hint, locale)
        if self.data:
            out["data"] = dict(self.data)
        return out

    def __str__(self) -> str:
        where = self.path or "/"
        if self.span:
            where += f" (line {self.span[0]}, column {self.span[1]})"
        return f"{where}: {self.message('en')}"


def pick(messages: Mapping[str, str], locale: str) -> str:
    """The text for ``locale``, falling back to the other language (labels may miss one)."""
    if locale in messages and messages[locale]:
        return messages[locale]
    base = locale.split("-")[0]
    for key, text in messages.items():
        if key.split("-")[0] == base and text:
            return text
    for key in LOCALES:
        if messages.get(key):
            return messages[key]
    return next(iter(messages.values()), "")


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from path parts: ``pointer("objects", "lead")`` -> ``/objects/lead``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def join(base: str, *parts: str | int) -> str:
    return base + pointer(*parts)


# code -> (English template, Chinese template); parameters are filled with str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    # JSON Schema
    "schema.required": ("'{name}' is required here", "此处缺少必填项 '{name}'"),
    "schema.unknown_property": ("'{name}' is not allowed here", "此处不允许出现 '{name}'"),
    "schema.not_for_type": ("'{name}' does not apply to this type", "'{name}' 不适用于此类型"),
    "schema.type": ("expected {expected}", "类型应为 {expected}"),
    "schema.enum": ("must be one of: {allowed}", "取值必须是以下之一：{allowed}"),
    "schema.const": ("must be {allowed}", "取值必须是 {allowed}"),
    "schema.api_name": ("'{name}' is not a valid API name: lower-case ASCII letter first, then letters, "
                        "digits or '_', at most 63 characters",
                        "'{name}' 不是合法的 API 名称：以小写英文字母开头，只含小写字母、数字和下划线，最长 63 个字符"),
    "schema.reserved_word": ("'{name}' is a reserved word ({why}); choose another name",
                             "'{name}' 是保留字（{why_zh}），请换一个名称"),
    "schema.pattern": ("'{value}' does not have the expected form", "'{value}' 的格式不正确"),
    "schema.too_short": ("must not be empty", "不能为空"),
    "schema.too_long": ("is too long", "过长"),
    "schema.range": ("{detail}", "数值超出允许范围：{detail}"),
    "schema.unique_items": ("contains the same item twice", "包含重复项"),
    "schema.one_of": ("does not match any allowed form: {detail}", "不符合任何允许的形式：{detail}"),
    "schema.invalid": ("{detail}", "内容无效：{detail}"),
    "schema.not_object": ("the document must be a JSON object", "文档必须是 JSON 对象"),
    # references and structure
    "ref.object": ("unknown object '{name}'", "未知对象 '{name}'"),
    "ref.field": ("object '{object}' has no field '{name}'", "对象 '{object}' 没有字段 '{name}'"),
    "ref.stage": ("object '{object}' has no stage '{name}'", "对象 '{object}' 没有阶段 '{name}'"),
    "ref.no_pipeline": ("object '{object}' has no pipeline", "对象 '{object}' 没有阶段流程"),
    "ref.sla_level": ("stage '{stage}' has no SLA level '{name}'", "阶段 '{stage}' 没有时限等级 '{name}'"),
    "ref.role": ("unknown role '{name}'", "未知角色 '{name}'"),
    "ref.team": ("unknown team '{name}'", "未知团队 '{name}'"),
    "ref.route": ("unknown assignment route '{name}'", "未知分配规则 '{name}'"),
    "ref.pool": ("unknown pool '{name}'", "未知公海池 '{name}'"),
    "ref.process": ("unknown approval process '{name}'", "未知审批流程 '{name}'"),
    "ref.process_object": ("approval process '{name}' is for '{actual}', not for '{object}'",
                           "审批流程 '{name}' 属于 '{actual}'，而不是 '{object}'"),
    "ref.part": ("unknown score part '{name}'", "未知评分组成 '{name}'"),
    "ref.placeholder": ("'{{{name}}}' does not name a field of '{object}'",
                        "'{{{name}}}' 不是对象 '{object}' 的字段"),
    "dup.key": ("key '{name}' is used twice", "键 '{name}' 重复"),
    "dup.option": ("option '{name}' is listed twice", "选项 '{name}' 重复"),
    "field.wrong_kind": ("field '{name}' is a {actual} field; {expected} needed here",
                         "字段 '{name}' 的类型是 {actual}，此处需要 {expected}"),
    "field.lookup_target": ("lookup '{name}' on '{object}' points to '{actual}', not to '{expected}'",
                            "'{object}' 的关联字段 '{name}' 指向 '{actual}'，而不是 '{expected}'"),
    "field.default_option": ("default '{value}' is not one of the options", "默认值 '{value}' 不在选项中"),
    "field.formula_cycle": ("formula fields depend on each other in a cycle: {cycle}",
                            "公式字段之间存在循环引用：{cycle}"),
    "field.formula_blank": ("a formula must produce a value, not BLANK()", "公式必须产生一个值，不能只是 BLANK()"),
    "field.autonumber_format": ("format '{value}' needs exactly one {{seq}} and only the tokens "
                                "{{YYYY}}, {{YY}}, {{MM}}, {{DD}}, {{YYYYMMDD}}, {{seq}}, {{seq:N}}",
                                "编号格式 '{value}' 必须恰好包含一个 {{seq}}，且只能使用 "
                                "{{YYYY}}、{{YY}}、{{MM}}、{{DD}}、{{YYYYMMDD}}、{{seq}}、{{seq:N}}"),
    "field.rollup_filter_sql": ("a roll-up filter must run in the database: {reason}",
                                "汇总字段的筛选条件必须能在数据库中执行：{reason}"),
    "field.min_max": ("min ({min}) is greater than max ({max})", "最小值（{min}）大于最大值（{max}）"),
    "field.option_separator": ("option '{value}' must not contain ';'", "选项 '{value}' 不能包含 ';'"),
    "field.rename_source": ("'{name}' cannot be renamed from '{source}': '{source}' is still defined",
                            "'{name}' 不能从 '{source}' 改名：'{source}' 仍然存在"),
    "pipeline.initial": ("initial stage '{name}' is not one of the nodes", "初始阶段 '{name}' 不在节点中"),
    "pipeline.node_option": ("stage '{name}' is not an option of picklist '{field}'",
                             "阶段 '{name}' 不是选项字段 '{field}' 的选项"),
    "pipeline.order": ("stage order {value} is used twice", "阶段顺序 {value} 重复"),
    "rule.before_save_action": ("a before_save rule may only change the record itself "
                                "(set_field, assign); '{name}' belongs in an after_save rule",
                                "before_save 规则只能修改记录本身（set_field、assign）；'{name}' 应放在 after_save 规则中"),
    "rule.cron": ("'{value}' is not a cron expression (five fields: minute hour day month weekday)",
                  "'{value}' 不是合法的 cron 表达式（五段：分 时 日 月 周）"),
    "calendar.timezone": ("'{value}' is not a known time zone (e.g. Asia/Shanghai)",
                          "'{value}' 不是已知时区（例如 Asia/Shanghai）"),
    "calendar.date": ("'{value}' is not a calendar date (YYYY-MM-DD)", "'{value}' 不是合法日期（YYYY-MM-DD）"),
    "calendar.conflict": ("{value} is both a holiday and a working day", "{value} 同时是节假日和调休工作日"),
    "report.stage_field": ("reports over stages need object '{object}' to have a pipeline",
                           "按阶段统计的报表要求对象 '{object}' 有阶段流程"),
    "form.route_object": ("route '{name}' assigns {object} records, but this form creates {form_object} records",
                          "分配规则 '{name}' 分配的是 {object} 记录，而此表单创建的是 {form_object} 记录"),
    "form.channel_value": ("channel '{value}' is not an option of '{field}'", "渠道 '{value}' 不是字段 '{field}' 的选项"),
    "scoring.target": ("score field '{name}' must be a number field", "评分字段 '{name}' 必须是数值字段"),
    # expressions
    "expr.result_type": ("this expression gives {actual}; {expected} is needed here",
                         "该表达式的结果类型是 {actual}，此处需要 {expected}"),
    "expr.unavailable": ("the expression checker is not available: {detail}", "表达式检查器不可用：{detail}"),
    "expr.internal": ("the expression could not be checked: {detail}", "无法检查该表达式：{detail}"),
    # publish
    "publish.unconvertible": ("{count} value(s) of '{object}.{field}' cannot become {type}; first rows: {rows}",
                              "'{object}.{field}' 有 {count} 个值无法转换为 {type}；前几行：{rows}"),
    "publish.duplicates": ("'{object}.{field}' cannot be unique: rows {rows} share values",
                           "'{object}.{field}' 无法设为唯一：记录 {rows} 存在相同的值"),
    "publish.confirm_drop": ("removing object '{object}' would remove {count} record(s); "
                             "publish again with confirmation to archive and drop them",
                             "删除对象 '{object}' 会移除 {count} 条记录；确认后再次发布将归档并删除它们"),
    "publish.retarget": ("lookup '{object}.{field}' changes target from '{old}' to '{new}' but {count} "
                         "record(s) hold values; clear them first",
                         "关联字段 '{object}.{field}' 的目标从 '{old}' 改为 '{new}'，但已有 {count} 条记录有值，请先清空"),
    "publish.failed": ("publishing failed and nothing was changed: {detail}", "发布失败，未做任何更改：{detail}"),
    "publish.no_version": ("version {version} does not exist", "版本 {version} 不存在"),
    "draft.conflict": ("the draft was changed by someone else (revision {current}, you had {expected}); "
                       "reload it", "草稿已被他人修改（当前修订号 {current}，你的是 {expected}），请重新加载"),
}

_WHY_ZH = {"SQL keyword": "SQL 关键字", "expression keyword or function": "表达式关键字或函数",
           "system column": "系统字段",
           "address of an app page": "系统页面的地址"}


def diag(code: str, path: str = "", *, span: Span | None = None, hint: str | Mapping[str, str] | None = None,
         data: Mapping[str, Any] | None = None, **params: Any) -> Diagnostic:
    """Build a diagnostic from the catalogue entry ``code`` with ``params`` filled in."""
    en, zh = MESSAGES[code]
    if "why" in params and "why_zh" not in params:
        params["why_zh"] = _WHY_ZH.get(str(params["why"]), params["why"])
    return Diagnostic(code=code, messages=MappingProxyType({"en": en.format(**params),
                                                            "zh-CN": zh.format(**params)}),
                      path=path, span=span, hint=hint, data=MappingProxyType(dict(data or {})))


class DiagnosticsError(Exception):
    """Raised with every problem found; ``.diagnostics`` holds them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = str(self.diagnostics[0]) if self.diagnostics else "no details"
        more = f" (+{len(self.diagnostics) - 1} more)" if len(self.diagnostics) > 1 else ""
        super().__init__(first + more)

    def to_dicts(self, locale: str = "en") -> list[dict[str, Any]]:
        return [d.to_dict(locale) for d in self.diagnostics]


class SchemaInvalid(DiagnosticsError):
    """The document does not validate (JSON Schema or semantics)."""
