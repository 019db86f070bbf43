"""The safety code drawn: QR code images (PNG, SVG) and the printable A4 poster (PDF).

The QR code encodes the public URL of the enterprise's active code only; the poster carries
nothing that changes with the enterprise's state (the colour lives behind the URL), so a printed
poster stays valid until the code is rotated.
"""

import io
import re
from datetime import datetime
from pathlib import Path

import qrcode
import qrcode.image.svg
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas
from sqlalchemy import select

from ..core.db import db
from ..core.errors import NotFound
from ..core.pdf import register_cjk_font, wrap_text
from ..core.scope import subtree_ids
from ..core.timeutil import today_in_shanghai
from ..models import Enterprise, Jurisdiction
from .services import current_code, public_url

REPORT_HOTLINE = "12350"
INSTRUCTIONS = (
    "公众：扫码查看企业实时安全状态（绿码 / 黄码 / 红码）",
    f"发现安全隐患：扫码了解举报方式，或拨打 {REPORT_HOTLINE} 安全生产举报热线",
    "监管执法人员：使用“巡查”App 扫码，开展现场检查",
    "企业：请将本码张贴在厂区大门等醒目位置，勿遮挡、涂改",
)
NAVY = HexColor("#12355b")
GREY = Color(0.35, 0.35, 0.35)


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    out = io.BytesIO()
    _qr(data).make_image().save(out)
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    out = io.BytesIO()
    _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any print size), quiet zone included.

    All dark modules go into one path filled once, so viewers draw no seams between them."""
    matrix = _qr(data).get_matrix()
    module = size / len(matrix)
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.rect(x + start * module, top, (column - start) * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)


def _name_lines(name: str, font: str, width: float) -> tuple[float, list[str]]:
    """The largest size at which the name fits on two lines (or three at the smallest)."""
    for size in (26, 22, 18):
        lines = wrap_text(name, font, size, width)
        if len(lines) <= 2:
            return size, lines
    return 16, wrap_text(name, font, 16, width)[:3]


def poster_pdf(enterprise: Enterprise, url: str, now: datetime | None = None) -> bytes:
    """A printable A4 poster: the enterprise, its QR code, short instructions in Chinese."""
    font = register_cjk_font()
    out = io.BytesIO()
    width, height = A4
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"常安码 - {enterprise.name}")
    canvas.setAuthor("巡查 Xuncha")
    canvas.setSubject("企业安全生产常安码")
    canvas.setCreator("Xuncha")

    # Header band.
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 42 * mm, width, 42 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(font, 40)
    canvas.drawCentredString(width / 2, height - 24 * mm, "常 安 码")
    canvas.setFont(font, 14)
    canvas.drawCentredString(width / 2, height - 34 * mm, "企业安全生产状态二维码 · 扫码查看")

    # The enterprise.
    canvas.setFillColorRGB(0, 0, 0)
    name_size, lines = _name_lines(enterprise.name, font, 170 * mm)
    canvas.setFont(font, name_size)
    y = height - 56 * mm
    for line in lines:
        canvas.drawCentredString(width / 2, y, line)
        y -= name_size * 0.45 * mm
    y -= 2 * mm
    canvas.setFillColor(GREY)
    canvas.setFont(font, 13)
    canvas.drawCentredString(width / 2, y - 1 * mm, f"统一社会信用代码：{enterprise.uscc}")
    jurisdiction = enterprise.jurisdiction.name if enterprise.jurisdiction else ""
    if jurisdiction:
        canvas.drawCentredString(width / 2, y - 8 * mm, f"所属辖区：{jurisdiction}")

    # The code.
    qr_size = 110 * mm
    qr_y = 82 * mm
    _draw_qr(canvas, url, (width - qr_size) / 2, qr_y, qr_size)
    canvas.setFillColor(NAVY)
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, qr_y - 12 * mm, "扫码查看企业安全状态 · 举报隐患")

    # Instructions.
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 12)
    line_y = qr_y - 24 * mm
    for number, line in enumerate(INSTRUCTIONS, start=1):
        canvas.drawString(25 * mm, line_y, f"{number}. {line}")
        line_y -= 7.5 * mm

    # Footer.
    canvas.setFillColor(GREY)
    canvas.setFont(font, 8)
    canvas.drawCentredString(width / 2, 14 * mm, url)
    canvas.drawCentredString(
        width / 2,
        9 * mm,
        f"颜色随企业安全状态实时变化；本码如被更换，旧码即失效。印制日期：{today_in_shanghai(now)}",
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- a jurisdiction's posters at once (CLI) ---------------------------------------------------

_UNSAFE_IN_FILENAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def poster_filename(enterprise: Enterprise) -> str:
    name = _UNSAFE_IN_FILENAMES.sub("_", enterprise.name).strip(" .")[:80] or "enterprise"
    return f"{enterprise.uscc}-{name}.pdf"


def write_posters(jurisdiction_id: int, out_dir: str):
    """The enterprises of a jurisdiction subtree, and a function writing one's poster into
    `out_dir` (its code is made if it has none yet). Flushes only; the caller commits."""
    root = db.session.get(Jurisdiction, jurisdiction_id)
    if root is None:
        raise NotFound(f"jurisdiction {jurisdiction_id} not found")
    subtree = subtree_ids(root)
    enterprises = list(
        db.session.scalars(
            select(Enterprise)
            .where(Enterprise.jurisdiction_id.in_(subtree))
            .order_by(Enterprise.id)
        )
    )
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)

    def write(enterprise: Enterprise) -> Path:
        code = current_code(enterprise)
        path = folder / poster_filename(enterprise)
        path.write_bytes(poster_pdf(enterprise, public_url(code.token)))
        return path

    return enterprises, write
