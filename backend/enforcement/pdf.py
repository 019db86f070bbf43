"""The enforcement documents as PDF, in the layout of the official forms (安全生产执法文书):
the authority and the title centred, the number at the top right, the party, the body, the
items with their basis and deadline, the signature lines, the date and the authority (seal)."""

import io
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..core.pdf import register_cjk_font, wrap_text
from ..models import (
    ENFORCEMENT_DOCUMENT_TITLES,
    PENALTY_TYPES,
    PenaltyDecision,
    RectificationOrder,
    ReviewOpinion,
)
from .numbering import authority_of_document
from .penalties import fen_to_yuan

MARGIN = 25 * mm
BODY_SIZE = 12
LINE = 7 * mm


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class _Page:
    """A cursor writing lines down A4 pages, starting a new page when one is full."""

    canvas: Canvas
    font: str
    y: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.y = A4[1] - MARGIN

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.canvas.showPage()
            self.y = A4[1] - MARGIN

    def centred(self, text: str, size: float, after: float = 4 * mm) -> None:
        self._room(size)
        self.canvas.setFont(self.font, size)
        self.canvas.drawCentredString(A4[0] / 2, self.y - size, text)
        self.y -= size + after

    def right(self, text: str, size: float = BODY_SIZE) -> None:
        self._room(LINE)
        self.canvas.setFont(self.font, size)
        self.canvas.drawRightString(A4[0] - MARGIN, self.y - size, text)
        self.y -= LINE

    def paragraph(self, text: str, indent: float = 0, size: float = BODY_SIZE) -> None:
        width = A4[0] - 2 * MARGIN - indent
        for line in wrap_text(text, self.font, size, width):
            self._room(LINE)
            self.canvas.setFont(self.font, size)
            self.canvas.drawString(MARGIN + indent, self.y - size, line)
            self.y -= LINE

    def gap(self, height: float = 3 * mm) -> None:
        self.y -= height


def _render(document, kind: str, write_body) -> bytes:
    font = register_cjk_font()
    authority = authority_of_document(document)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    title = ENFORCEMENT_DOCUMENT_TITLES[kind]
    canvas.setTitle(f"{title} {document.number}")
    canvas.setAuthor(authority.name)
    canvas.setCreator("Xuncha")
    page = _Page(canvas, font)
    page.centred(authority.name, 16, after=3 * mm)
    page.centred(title, 22, after=4 * mm)
    page.right(document.number)
    page.gap()
    write_body(page)
    page.gap(6 * mm)
    return _finish(page, canvas, out, authority.name)


def _finish(page: _Page, canvas: Canvas, out: io.BytesIO, authority: str) -> bytes:
    page.right(f"{authority}（印章）")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _signatures(page: _Page, official_names: list[str], on: date) -> None:
    page.gap(4 * mm)
    page.paragraph(f"执法人员（签名）：{'　　'.join(official_names)}")
    page.right(chinese_date(on))


def order_pdf(order: RectificationOrder) -> bytes:
    enterprise = order.enterprise

    def body(page: _Page) -> None:
        page.paragraph(f"{enterprise.name}：")
        page.paragraph(
            f"经查，你单位存在下列问题（统一社会信用代码：{enterprise.uscc}；"
            f"地址：{enterprise.address or '—'}）：",
            indent=8 * mm,
        )
        for number, item in enumerate(order.items, start=1):
            page.paragraph(f"{number}. {item['text']}", indent=4 * mm)
            page.paragraph(f"依据：{item['legal_basis'] or '—'}", indent=10 * mm)
            deadline = chinese_date(date.fromisoformat(item["due_on"]))
            page.paragraph(f"整改期限：{deadline}前", indent=10 * mm)
        page.paragraph(
            "依据《中华人民共和国安全生产法》第六十五条的规定，责令你单位对上述问题于规定期限前"
            "整改完毕，达到有关法律法规规章和标准规定的要求。整改期间，你单位应当采取措施，"
            "确保安全生产。如果不服本指令，可以依法在60日内向有关人民政府或者上一级应急管理部门"
            "申请行政复议，或者在6个月内依法向人民法院提起行政诉讼，但本指令不停止执行。",
            indent=8 * mm,
        )
        _signatures(page, order.official_names, order.issued_on)
        receiver = order.receiver_name or "＿＿＿＿＿＿"
        received = chinese_date(order.received_on) if order.received_on else "＿＿年＿＿月＿＿日"
        page.paragraph(f"被检查单位负责人（签收）：{receiver}　　{received}")

    return _render(order, "rectification_order", body)


def review_pdf(review: ReviewOpinion) -> bytes:
    enterprise = review.enterprise
    order = review.order

    def body(page: _Page) -> None:
        page.paragraph(f"{enterprise.name}：")
        page.paragraph(
            f"本机关于{chinese_date(order.issued_on)}作出了《责令限期整改指令书》"
            f"（{order.number}），经对你单位整改情况进行复查，提出如下意见：",
            indent=8 * mm,
        )
        for number, item in enumerate(review.items, start=1):
            outcome = "已整改" if item["rectified"] else "未整改"
            page.paragraph(f"{number}. {item['text']}", indent=4 * mm)
            page.paragraph(f"复查结论：{outcome}（{item['hazard_status_label']}）", indent=10 * mm)
        if all(item["rectified"] for item in review.items):
            page.paragraph("上述问题已整改完毕。", indent=8 * mm)
        else:
            page.paragraph("对未整改的问题，本机关将依法处理。", indent=8 * mm)
        _signatures(page, review.official_names, review.reviewed_on)

    return _render(review, "review_opinion", body)


def decision_pdf(decision: PenaltyDecision) -> bytes:
    def body(page: _Page) -> None:
        page.paragraph(f"被处罚单位：{decision.party_name}")
        page.paragraph(f"统一社会信用代码：{decision.party_uscc}")
        page.paragraph(f"法定代表人（负责人）：{decision.party_legal_representative or '—'}")
        page.gap()
        page.paragraph(f"违法事实：{decision.facts}", indent=8 * mm)
        page.paragraph(f"处罚依据：{decision.legal_basis}", indent=8 * mm)
        labels = "、".join(PENALTY_TYPES[kind] for kind in decision.penalty_types)
        amount = fen_to_yuan(decision.amount_fen)
        penalty = labels + (f"，罚没金额人民币{amount}元" if amount else "")
        page.paragraph(f"处罚决定：{penalty}。", indent=8 * mm)
        page.paragraph(
            "如果不服本处罚决定，可以依法在60日内向有关人民政府或者上一级应急管理部门申请行政复议，"
            "或者在6个月内依法向人民法院提起行政诉讼，但本决定不停止执行，法律另有规定的除外。",
            indent=8 * mm,
        )
        _signatures(page, decision.official_names, decision.decided_on)

    return _render(decision, "penalty_decision", body)
