"""A letter as PDF (reportlab); Chinese, Japanese and Korean text use the built-in CID fonts."""

import io
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer  # type: ignore[import-untyped]

from arflow_notification.domain import language_of

# Fonts every PDF viewer has (no embedding, no download): one per script.
CID_FONTS = {"zh": "STSong-Light", "ja": "HeiseiMin-W3", "ko": "HYSMyeongJo-Medium"}
LATIN_FONT, LATIN_BOLD = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Letter:
    """What goes on the page."""

    sender: str
    recipient_lines: tuple[str, ...]
    date_line: str
    subject: str
    body: str
    locale: str


@cache
def _font(name: str) -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def font_for(letter: Letter) -> tuple[str, str, bool]:
    """(regular font, bold font, wrap as CJK) for the letter's locale and characters."""
    language = language_of(letter.locale)
    text = "".join((letter.sender, *letter.recipient_lines, letter.subject, letter.body))
    if language in CID_FONTS:
        name = _font(CID_FONTS[language])
        return name, name, True
    if any(ord(ch) > 0xFF for ch in text):
        name = _font(CID_FONTS["zh"])  # covers Latin too, and CJK names in a foreign letter
        return name, name, True
    return LATIN_FONT, LATIN_BOLD, False


def _paragraphs(text: str) -> list[str]:
    blocks = [block.strip("\n") for block in text.split("\n\n")]
    return [escape(block).replace("\n", "<br/>") for block in blocks if block.strip()]


def render_letter(letter: Letter) -> bytes:
    """The PDF bytes; the same letter always renders to the same bytes (invariant mode)."""
    regular, bold, cjk = font_for(letter)
    wrap = "CJK" if cjk else None
    style = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=15, wordWrap=wrap)
    heading = ParagraphStyle("subject", parent=style, fontName=bold, fontSize=12, leading=17)
    small = ParagraphStyle("small", parent=style, fontSize=9, leading=12)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=letter.subject, author=letter.sender, creator="arflow",
        invariant=1, lang=letter.locale,
    )
    story = [Paragraph(escape(letter.sender), small), Spacer(1, 12)]
    story += [Paragraph(escape(line), style) for line in letter.recipient_lines]
    story += [Spacer(1, 18), Paragraph(escape(letter.date_line), style), Spacer(1, 12),
              Paragraph(escape(letter.subject), heading), Spacer(1, 10)]
    for paragraph in _paragraphs(letter.body):
        story += [Paragraph(paragraph, style), Spacer(1, 6)]
    document.build(story)
    return buffer.getvalue()
