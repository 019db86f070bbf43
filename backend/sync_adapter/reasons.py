"""A refused record's reason in words its user reads (zh-CN), beside the English reason the
server logs and reviewers search: the device shows both in its 待同步 view, so nothing is
refused without the inspector understanding why."""

import re

# (pattern of the English reason, the message in zh-CN); the first match wins.
MESSAGES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message)
    for pattern, message in (
        (r"pull-only", "此类数据由服务器维护，设备上的修改未被接受。"),
        (r"unknown table", "服务器不认识此类数据，请更新应用后再同步。"),
        (r"cannot be deleted|append-only", "此记录是留痕证据，不能删除或改写。"),
        (r"major hazard cannot be fixed on the spot", "重大事故隐患不能立查立改，须制定治理方案。"),
        (r"photos from before", "立查立改需要整改前的照片。"),
        (r"photos from after", "立查立改需要整改后的照片。"),
        (r"already has another finding", "该检查项已有另一条检查结果。"),
        (r"is taken|already exists", "记录编号已被占用，请重新录入。"),
        (r"not found", "记录不存在，或不在您的辖区内。"),
        (r"may not|only who", "您无权进行此操作。"),
        (r"that is \w+ cannot take the action", "隐患状态已变化，此操作已不适用。"),
        (r"deadline|due_on", "整改期限不符合规定，请修改后重新提交。"),
        (r"note", "请填写说明。"),
        (r"database refused", "数据不符合要求，服务器未能保存。"),
        (r"must be|needs|required", "数据不完整或格式有误，请检查后重新提交。"),
    )
)
FALLBACK = "服务器拒绝了此记录。"


def message_for(reason: str) -> str:
    """The zh-CN message for a refusal's English reason (a general one if none fits)."""
    for pattern, message in MESSAGES:
        if pattern.search(reason or ""):
            return message
    return FALLBACK
