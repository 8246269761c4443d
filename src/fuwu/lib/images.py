"""One check for every picture that comes in (photos, signatures, paper vouchers).

A picture is refused — with a field error, never a server error — when it is too large in bytes,
when it claims more pixels than a phone camera makes (a 70-byte PNG can claim 30000×30000 and would
take gigabytes to decode: a decompression bomb), or when it is not a JPEG, PNG, WebP or GIF that
Pillow can read. Only the header is decoded to learn the size; ``verify()`` then checks the file's
structure without decoding the pixels.
"""

from __future__ import annotations

import warnings
from typing import IO

from django.utils.translation import gettext as _

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel phone photo
MAX_IMAGE_SIDE = 12_000


class ImageRefused(ValueError):
    """The picture cannot be accepted; the message says why, in the user's language."""


def check_image(file: IO[bytes], size: int | None) -> str:
    """The content type of ``file`` if it is an acceptable picture, else ``ImageRefused``.
    The file is left at its start."""
    from PIL import Image, UnidentifiedImageError

    if size is None or size > MAX_IMAGE_BYTES:
        raise ImageRefused(_("is larger than %(mb)s MB") % {"mb": MAX_IMAGE_BYTES // (1024 * 1024)})
    too_many_pixels = ImageRefused(
        _("has too many pixels (at most %(megapixels)s megapixels, %(side)s pixels a side)")
        % {"megapixels": MAX_IMAGE_PIXELS // 1_000_000, "side": MAX_IMAGE_SIDE}
    )
    not_a_picture = ImageRefused(_("is not a picture (JPEG, PNG, WebP or GIF)"))
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
                    raise too_many_pixels
                kind = image.format or ""
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        if isinstance(error, ImageRefused):
            raise
        raise not_a_picture from None
    finally:
        file.seek(0)
    if kind not in IMAGE_TYPES:
        raise not_a_picture
    return IMAGE_TYPES[kind]
