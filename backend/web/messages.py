"""What the pages tell people when something goes wrong, in Chinese.

The services speak English to the API; here their errors become short Chinese sentences.
"""

from werkzeug.exceptions import HTTPException

from media.errors import MediaError

from ..core.errors import Conflict, DomainError, Invalid, NotFound, TooManyAttempts
from ..core.scope import Forbidden
from ..hazards.services import PLAN_FIELDS
from ..models import HAZARD_STATUSES

MEDIA_MESSAGES = {
    "unsupported_media_type": "只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片。",
    "corrupt_image": "照片文件已损坏或不完整，请重新拍摄。",
    "payload_too_large": "照片文件太大，请压缩后重新上传。",
    "image_too_large": "照片尺寸过大，请降低分辨率后重新上传。",
    "digest_mismatch": "照片上传不完整，请重试。",
}
STATUS_MESSAGES = {
    400: "请求无效，请返回重试。",
    403: "您的账号无权访问此页面。",
    404: "未找到该页面或记录。",
    405: "不支持此操作。",
    413: "上传的内容太大（照片请逐张压缩后上传）。",
    429: "操作过于频繁，请稍后再试。",
    500: "系统出现错误，请稍后再试。",
}


def describe(error: Exception) -> str:
    """One Chinese sentence for an error raised while serving a page."""
    if isinstance(error, MediaError):
        return MEDIA_MESSAGES.get(error.code, "照片无法接收，请重新拍摄或选择其他照片。")
    if isinstance(error, TooManyAttempts):
        minutes = max(1, -(-error.retry_after // 60))
        return f"登录失败次数过多，请 {minutes} 分钟后再试。"
    if isinstance(error, Conflict):
        state = error.extra.get("current_state")
        if state:
            label = HAZARD_STATUSES.get(state, state)
            return f"该隐患当前状态为“{label}”，不能执行此操作，请刷新页面查看最新状态。"
        return "数据已被他人更新，请刷新页面后重试。"
    if isinstance(error, Forbidden):
        return "您的账号无权执行此操作。"
    if isinstance(error, NotFound):
        return "未找到相关记录。"
    if isinstance(error, Invalid):
        return _invalid(error)
    if isinstance(error, DomainError):
        return STATUS_MESSAGES.get(error.status, "操作未能完成，请检查后重试。")
    if isinstance(error, HTTPException):
        return STATUS_MESSAGES.get(error.code or 500, "请求未能完成。")
    return STATUS_MESSAGES[500]


def _invalid(error: Invalid) -> str:
    if error.field == "plan":
        missing = error.extra.get("missing") or []
        if missing:
            names = "、".join(PLAN_FIELDS.get(name, name) for name in missing)
            return f"请先填写整改方案：{names}。"
        return "整改方案填写不完整。"
    if error.field == "photos":
        return "提交复查需要整改后的照片，请拍照或选择照片后再提交。"
    if error.field == "note":
        return "请填写说明。"
    return "填写的内容有误，请检查后重试。"


def status_of(error: Exception) -> int:
    if isinstance(error, MediaError):
        return error.http_status
    if isinstance(error, DomainError):
        return error.status
    if isinstance(error, HTTPException):
        return error.code or 500
    return 500
