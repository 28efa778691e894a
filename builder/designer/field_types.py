"""The field types as the designer names them (zh-CN / en), in the order of the document schema."""
from __future__ import annotations

from runtime.i18n import current_language
from schema_store.schema_source import FIELD_TYPES

TYPE_LABELS = {
    "text": ("文本", "Text"), "textarea": ("多行文本", "Long text"), "email": ("邮箱", "Email"),
    "phone": ("电话", "Phone"), "url": ("网址", "URL"), "number": ("数字", "Number"),
    "currency": ("金额", "Currency"), "percent": ("百分比", "Percent"), "boolean": ("是/否", "Yes/No"),
    "date": ("日期", "Date"), "datetime": ("日期时间", "Date and time"), "picklist": ("单选列表", "Picklist"),
    "multi_picklist": ("多选列表", "Multi-select picklist"), "lookup": ("关联", "Lookup"),
    "file": ("文件", "File"), "formula": ("公式", "Formula"), "rollup": ("汇总", "Roll-up"),
    "autonumber": ("自动编号", "Auto number"), "user": ("用户", "User"),
}


def type_choices() -> list[tuple[str, str]]:
    zh = current_language() == "zh-CN"
    return [(t, f"{TYPE_LABELS[t][0 if zh else 1]} ({t})") for t in FIELD_TYPES]
