"""Chinese labels the pages show for states, verdicts and techniques."""

from __future__ import annotations

STATE_NAMES_ZH = {
    "unflagged": "未标记",
    "registered": "已登记",
    "escalated": "已上报",
    "needs_info": "待补充",
    "confirmed": "已确认线索",
    "dismissed": "已排除",
    "transferred": "已移交",
    "feedback": "已反馈",
}

VERDICT_NAMES_ZH = {
    "confirm": "确认线索",
    "dismiss": "排除",
    "escalate": "上报主管",
    "needs_info": "需补充信息",
}

TECHNIQUE_NAMES_ZH = {
    "plain": "原词",
    "symbol_insert": "插入符号",
    "zero_width": "零宽字符",
    "repeat": "重复字",
    "traditional": "繁体",
    "fullwidth": "全角",
    "case": "大小写",
    "emoji": "表情符号",
    "homophone": "同音字",
    "pinyin": "拼音",
    "initials": "首字母",
    "split_char": "拆字",
}

WEIGHT_NAMES_ZH = {"strong": "强", "medium": "中", "weak": "弱"}

# Entity kinds of `lexicon.entities` (contacts are stored as `kind:value` keys on actors).
ENTITY_NAMES_ZH = {
    "phone": "电话",
    "wechat": "微信",
    "qq": "QQ",
    "telegram": "Telegram",
    "price": "价格",
    "place": "地点",
    "baby_sex": "婴儿性别",
    "baby_age": "婴儿月龄",
}


def entity_name(kind: str) -> str:
    return ENTITY_NAMES_ZH.get(kind, kind)


def split_contact(key: str) -> tuple[str, str]:
    """'phone:13800000000' -> ('电话', '13800000000')."""
    kind, _, value = key.partition(":")
    return entity_name(kind), value


def contact_zh(key: str) -> str:
    """'phone:13800000000' -> '电话 13800000000'."""
    kind, value = split_contact(key)
    return f"{kind} {value}"


FEEDBACK_NAMES_ZH = {"received": "已接收", "case_opened": "已立案", "no_case": "不予立案"}

ACTION_NAMES_ZH = {
    "register": "登记",
    "verdict.confirm": "研判：确认线索",
    "verdict.dismiss": "研判：排除",
    "verdict.escalate": "研判：上报主管",
    "verdict.needs_info": "研判：需补充信息",
    "assign": "认领/指派",
    "note": "备注",
    "transfer": "移交",
    "feedback": "处置反馈",
    "content_changed": "内容变更",
    "purge": "清理",
}

# The clue chain of the action plans, and which states each step covers.
LIFECYCLE = (
    ("登记", frozenset({"registered"})),
    ("研判", frozenset({"escalated", "needs_info", "confirmed", "dismissed"})),
    ("移交", frozenset({"transferred"})),
    ("处置反馈", frozenset({"feedback"})),
)


def lifecycle_steps(state: str) -> list[tuple[str, str]]:
    """Each step of 登记 → 研判 → 移交 → 处置反馈 with its status for a clue in `state`:
    done, current, todo, or skipped (a dismissed clue goes no further)."""
    reached = next((i for i, (_, states) in enumerate(LIFECYCLE) if state in states), -1)
    settled = state in ("confirmed", "dismissed", "feedback")
    steps = []
    for i, (name, _) in enumerate(LIFECYCLE):
        if i < reached or (i == reached and settled):
            status = "done"
        elif i == reached:
            status = "current"
        elif state == "dismissed":
            status = "skipped"
        else:
            status = "todo"
        steps.append((name, status))
    return steps


CRAWL_STATUS_NAMES_ZH = {"running": "运行中", "finished": "已完成", "failed": "失败"}
