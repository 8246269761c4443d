"""PDF forms (fpdf2) with the Chinese font embedded, so that a form opens the same on any machine.

The font is the vendored subset of Noto Sans CJK SC (``data/NotoSansCJKsc-Regular.subset.ttf``,
SIL Open Font License, see ``data/OFL.txt`` and docs/adr/0007-exports-and-pdf-fonts.md);
``settings.FUWU_PDF_FONT`` names another font file instead. fpdf2 embeds only the glyphs a document
uses (a subset font named ``XXXXXX+NotoSansCJKSC``): a one-page voucher is a few dozen KB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "cjk"
DATA = Path(__file__).resolve().parent / "data"
VENDORED_FONT = DATA / "NotoSansCJKsc-Regular.subset.ttf"
LINE = 5.5  # mm, for 10 pt text
LABEL_FILL = (238, 241, 246)
BORDER = (150, 150, 150)


def font_path() -> Path:
    return Path(settings.FUWU_PDF_FONT) if settings.FUWU_PDF_FONT else VENDORED_FONT


class FormPDF(FPDF):
    """An A4 form: the organisation at the top of every page, page numbers at the bottom, labelled
    rows that wrap and break across pages."""

    def __init__(self, *, title: str, organisation: str, footer: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.form_title = title
        self.organisation = organisation
        self.footer_text = footer
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", str(font_path()))
        self.set_font(FONT, size=10)
        self.set_title(title)
        self.set_creator("fuwu")
        self.set_lang("zh-CN" if (translation.get_language() or "").startswith("zh") else "en")
        self.set_draw_color(*BORDER)
        self.alias_nb_pages()

    # --- page furniture ---------------------------------------------------------------------

    def header(self) -> None:
        self.set_font(FONT, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, self.organisation, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=10)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(90, 90, 90)
        page = _("Page %(number)s of %(total)s") % {"number": self.page_no(), "total": "{nb}"}
        if self.footer_text:
            self.cell(0, 4, self.footer_text, align="L")
            self.set_x(self.l_margin)
        self.cell(0, 4, page, align="R")
        self.set_text_color(0, 0, 0)

    # --- content ----------------------------------------------------------------------------

    def heading(self, text: str, *, size: float = 16, align: str = "C") -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)

    def paragraph(self, text: str, *, size: float = 10, grey: bool = False, align: str = "L") -> None:
        self.set_font(FONT, size=size)
        if grey:
            self.set_text_color(90, 90, 90)
        self.multi_cell(0, size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=10)

    def _lines(self, text: str, width: float) -> int:
        lines = self.multi_cell(width, LINE, text or " ", dry_run=True, output="LINES")
        return max(1, len(lines) if isinstance(lines, list) else 1)

    def rows(self, rows: Sequence[Sequence[tuple[str, str]]], *, label_width: float = 30) -> None:
        """A bordered table of rows; each row is one or two (label, value) pairs side by side."""
        usable = self.w - self.l_margin - self.r_margin
        for pairs in rows:
            count = len(pairs)
            value_width = (usable - label_width * count) / count
            height = LINE * max(
                max(self._lines(label, label_width), self._lines(value, value_width))
                for label, value in pairs
            )
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
            top = self.get_y()
            x = self.l_margin
            for label, value in pairs:
                self.set_fill_color(*LABEL_FILL)
                self.rect(x, top, label_width, height, style="DF")
                self.rect(x + label_width, top, value_width, height, style="D")
                self.set_xy(x, top)
                self.multi_cell(label_width, LINE, label, border=0)
                self.set_xy(x + label_width, top)
                self.multi_cell(value_width, LINE, value or "—", border=0)
                x += label_width + value_width
            self.set_xy(self.l_margin, top + height)

    def signature_boxes(self, boxes: Sequence[tuple[str, str]], *, height: float = 16) -> None:
        """Boxes side by side for signatures and dates: (label, what is already there)."""
        usable = self.w - self.l_margin - self.r_margin
        width = usable / max(1, len(boxes))
        if self.get_y() + height + LINE > self.page_break_trigger:
            self.add_page()
        top = self.get_y() + 2
        for index, (label, value) in enumerate(boxes):
            x = self.l_margin + index * width
            self.set_xy(x, top)
            self.cell(width - 3, LINE, label)
            self.line(x, top + LINE + height, x + width - 4, top + LINE + height)
            if value:
                self.set_xy(x, top + LINE + height - LINE - 1)
                self.cell(width - 4, LINE, value)
        self.set_xy(self.l_margin, top + LINE + height + 3)

    def image_box(self, image: Any, *, width: float = 50, height: float = 18) -> None:
        self.image(image, w=width, h=height, keep_aspect_ratio=True)

    def bytes(self) -> bytes:
        return bytes(self.output())


def pdf_filename(base: str, moment: datetime | None = None) -> str:
    from django.utils import timezone

    stamp = timezone.localtime(moment or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"{base}-{stamp}.pdf"
