"""Chinese renderings of errors for the pages and the JSON API.

Analysts read Chinese: a rejected field is named in Chinese (with its English
parameter name, which is what the URL or the JSON body holds) and the problem
is said in Chinese, never as pydantic's English text or its documentation URL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cluewatch.errors import CluewatchError


class ZhError(CluewatchError):
    """An error that also says what is wrong in Chinese, for the review app.

    Mixed in before a coded error class (`class NoSuchUser(ZhError, NotFound)`),
    so the code and the `except` clauses stay those of that class; `message`
    stays the command line's English, `zh` is what the pages and the API show.
    """

    def __init__(self, message: str, *, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def error_zh(exc: CluewatchError) -> str:
    """An operator error as the app shows it: its Chinese text and code, or (for errors
    without one) the coded message."""
    if isinstance(exc, ZhError):
        return f"{exc.zh} ({exc.code})"
    return str(exc)


# Parameter and body field names as the pages call them.
FIELD_NAMES_ZH = {
    "username": "用户名",
    "password": "密码",
    "role": "角色",
    "days": "统计天数",
    "before": "翻页位置",
    "limit": "条数",
    "cursor": "翻页位置",
    "category": "类别",
    "state": "状态",
    "site": "站点",
    "since": "起始日期",
    "until": "截止日期",
    "min_score": "最低分",
    "max_score": "最高分",
    "term": "词条",
    "entity": "实体",
    "assignee": "认领人",
    "q": "搜索词",
    "sort": "排序",
    "note": "备注",
    "text": "文本",
    "kind": "研判结论",
    "version": "版本号",
    "post_ids": "线索编号",
    "clues": "线索编号",
    "filter": "筛选条件",
    "reason": "退回理由",
    "weight": "权重",
    "variants": "变体",
    "requires": "所需上下文",
    "unless": "排除词",
    "initials": "拼音首字母",
    "outcome": "处置结果",
    "reference": "文书/案件编号",
    "next": "跳转地址",
    "download": "下载",
    "post": "帖子编号",
    "actor": "人员",
    "action": "操作",
}

# Statuses whose default English reason Starlette gives when nothing more is known.
STATUS_NAMES_ZH = {
    400: "请求有误",
    401: "未登录或会话已过期",
    403: "无权访问",
    404: "页面不存在，请检查地址",
    405: "不支持此请求方法",
    409: "操作与当前状态冲突，请刷新后重试",
    413: "请求内容过大",
    422: "请求参数有误",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请联系管理员",
}


def field_zh(name: str) -> str:
    """`名称（name）`, or the name alone when it has no Chinese label."""
    label = FIELD_NAMES_ZH.get(name)
    return f"{label}（{name}）" if label else name


def _where(loc: Sequence[int | str]) -> str:
    """The field a pydantic error location points at: `body.filter.min_score` -> 最低分（min_score）,
    list items by number (`post_ids` item 3 -> 线索编号（post_ids）第 4 项)."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie", "form")]
    if not parts:
        return "请求内容"
    names = [p for p in parts if isinstance(p, str)]
    text = field_zh(names[-1]) if names else "请求内容"
    if isinstance(parts[-1], int):
        text += f"第 {parts[-1] + 1} 项"
    return text


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _problem(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    given = error.get("input")
    got = f"，收到「{_shown(given)}」" if isinstance(given, str | int | float) else ""
    if kind == "missing":
        return "必须填写"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"应为整数{got}"
    if kind in ("float_parsing", "float_type"):
        return f"应为数字{got}"
    if kind == "finite_number" or (isinstance(given, float) and math.isnan(given)):
        return "应为有限的数字，不能是 NaN 或无穷大"
    if kind in ("bool_parsing", "bool_type"):
        return f"应为 true 或 false{got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        words = {
            "greater_than_equal": "不能小于",
            "greater_than": "应大于",
            "less_than_equal": "不能大于",
            "less_than": "应小于",
        }
        return f"{words[kind]} {bound}{got}"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "too_short":
        return f"至少 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", "、").replace("'", "")
        return f"只能是 {expected}{got}"
    if kind == "string_pattern_mismatch":
        return f"格式不对{got}"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "date_parsing", "datetime_type"):
        return f"不是有效的日期或时间{got}，请用 YYYY-MM-DD"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "应为 JSON 对象"
    if kind == "list_type":
        return "应为列表"
    if kind == "string_type":
        return "应为文本"
    if kind == "extra_forbidden":
        return "不是可用的字段"
    if kind == "value_error":
        return f"取值无效（{str(error.get('msg', '')).removeprefix('Value error, ')}）"
    return f"取值无效（{error.get('msg', '')}）"


def validation_zh(errors: Iterable[Mapping[str, Any]], *, limit: int = 5) -> str:
    """pydantic's errors as one Chinese sentence per field: `统计天数（days）应为整数，收到「abc」`."""
    parts = []
    for i, error in enumerate(errors):
        if i == limit:
            parts.append("……")
            break
        parts.append(f"{_where(error.get('loc', ()))}{_problem(error)}")
    return "；".join(parts) or "请求参数有误"


def status_zh(status: int, detail: object) -> str:
    """An HTTP error's text for people: the detail when the app wrote one, else the status in
    Chinese (Starlette's own details are its English reason phrases, such as 'Not Found')."""
    text = str(detail) if detail is not None else ""
    if not text or text.isascii():
        zh = STATUS_NAMES_ZH.get(status, "请求未能完成")
        return f"{zh} ({text})" if text else zh
    return text


def score_problem(value: str, name: str) -> str | None:
    """Why `value` is not a score between 0 and 1 (in Chinese), or None if it is one."""
    try:
        number = float(value)
    except ValueError:
        return f"{field_zh(name)}应为 0 到 1 之间的数字，收到「{_shown(value)}」"
    if not math.isfinite(number):
        return f"{field_zh(name)}应为 0 到 1 之间的数字，不能是 {value}"
    if not 0 <= number <= 1:
        return f"{field_zh(name)}应在 0 到 1 之间，收到 {value}"
    return None


def lexicon_broken_zh(exc: CluewatchError) -> str:
    """A lexicon file that does not load (its message names the file, line and reason)."""
    return (
        "词库文件有误，词库暂不可用（其他页面不受影响）。请管理员按下面的文件、行号和原因修正"
        f"该文件，或将其移走后重新添加词条：{exc}"
    )
