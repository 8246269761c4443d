"""Build the CJK font the PDF exports embed (see docs/adr/0007-exports-and-pdf-fonts.md).

Takes the Simplified Chinese face of Noto Sans CJK Regular (SIL Open Font License 1.1; Debian's
fonts-noto-cjk ships it as NotoSansCJK-Regular.ttc) and keeps the characters a Chinese form needs:
ASCII and Latin-1, general punctuation and symbols, CJK symbols and punctuation, full-width forms and
every CJK Unified Ideograph of the basic block (U+4E00–U+9FFF, which holds all of GBK's hanzi, so
people's names with rarer characters still print). The outlines are converted from CFF (cubic) to
TrueType (quadratic, fontTools' cu2qu): fpdf2 embeds a TrueType font as a CIDFontType2 with
Identity-H encoding, which every PDF reader and text extractor reads, while its CFF embedding
carries an encoding CMap that pdfminer cannot read and pypdf misreads. The result is vendored as
src/fuwu/exports/data/NotoSansCJKsc-Regular.subset.ttf so that a machine with only Python renders
Chinese PDFs. Run again only to change the character set:

    apt-get install fonts-noto-cjk
    .venv/bin/python scripts/make_cjk_font_subset.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = "Noto Sans CJK SC"
TARGET = Path(__file__).resolve().parent.parent / "src/fuwu/exports/data/NotoSansCJKsc-Regular.subset.ttf"

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (¥, ×, ·, °)
    (0x2000, 0x206F),  # general punctuation (—, …, ‰)
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers (①)
    (0x25A0, 0x25FF),  # geometric shapes (□, ○, ●)
    (0x2600, 0x26FF),  # symbols (☐, ☑, ★)
    (0x2700, 0x27BF),  # dingbats (✓)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。「」【】)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFF00, 0xFFEF),  # full-width forms (，：；（）￥)
    (0x20AC, 0x20AC),  # €
]


def to_truetype(font: TTFont, max_error: float = 1.0) -> None:
    """CFF outlines → TrueType ``glyf`` outlines (within ``max_error`` font units)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_error, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0  # no glyph names (CID fonts have none worth keeping)
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> int:
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for low, high in RANGES for c in range(low, high + 1)])
    subsetter.subset(font)
    to_truetype(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
