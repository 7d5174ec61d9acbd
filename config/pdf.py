"""The one way the product renders a PDF with WeasyPrint (issue 14.6, issue 15.8).

:func:`render_pdf` takes the HTML of a printed document and what the document is (title, author: the
authority or unit that issues it, subject) and returns the PDF's bytes:

* **Only our own files are fetched.** :class:`StaticOnlyFetcher` serves ``file://`` URLs under the
  project's static directories (``STATICFILES_DIRS``, ``STATIC_ROOT``: the fonts of ``static/fonts``)
  and ``data:`` URLs; everything else (``http(s)://`` anywhere, ``file://`` elsewhere, ``ftp:``...) is
  refused before any connection is opened or any file read, and WeasyPrint leaves the resource out. A
  period or unit name holding markup or a newline is escaped by the templates anyway; the fetcher is the
  second wall, in case a template or a future one prints text unescaped.
* **Metadata.** The PDF's document information carries the title, the author, the subject and the
  language (``/Lang vi``); WeasyPrint writes the same into the XMP metadata.
* **PDF/A.** ``pdfa=True`` writes PDF/A-3b (``pdf_variant="pdf/a-3b"``: sRGB output intent, XMP with
  ``pdfaid:part`` 3 / ``pdfaid:conformance`` B, fonts embedded); every document is also tagged
  (``pdf_tags=True``: a structure tree, so screen readers and text extraction follow the reading order).
  The documents that are kept or signed (the score sheet the unit signs, the annex to the chairman's
  decision) use it.
* Text is NFC, as pyHanko's stamp and the fonts expect.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

PDFA_VARIANT = "pdf/a-3b"
LANGUAGE = "vi"


def static_roots() -> list[Path]:
    """The directories whose files a printed document may use: the project's static files."""
    roots = [Path(settings.BASE_DIR) / "static", *(Path(d) for d in getattr(settings, "STATICFILES_DIRS", []))]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    seen: list[Path] = []
    for root in roots:
        resolved = root.resolve()
        if resolved not in seen:
            seen.append(resolved)
    return seen


def allowed_path(url: str) -> Path | None:
    """The local file a ``file://`` URL names, when it lies inside one of :func:`static_roots` (symbolic links
    and ``..`` resolved first), else None."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_file():
        return None
    return path if any(path.is_relative_to(root) for root in static_roots()) else None


def _fetcher_class():
    from weasyprint import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher limited to ``data:`` and the project's static files; ``refused`` lists the
        URLs it turned down (WeasyPrint logs a warning and renders without them)."""

        def __init__(self):
            super().__init__(timeout=1, allow_redirects=False, allowed_protocols={"file", "data"})
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data" or (scheme == "file" and allowed_path(url) is not None):
                self.fetched.append(url)
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"Không tải tài nguyên ngoài thư mục tĩnh của hệ thống: {url[:200]}")

    return StaticOnlyFetcher


def static_only_fetcher():
    """A new :class:`StaticOnlyFetcher` (built lazily: WeasyPrint is imported only when a PDF is made)."""
    return _fetcher_class()()


def render_pdf(html: str, *, title: str, author: str, subject: str = "", pdfa: bool = False,
               finisher: Callable | None = None, fetcher=None) -> bytes:
    """The PDF of ``html`` with its metadata (see the module); ``finisher`` as WeasyPrint's (extra document
    information, e.g. the signed summary's fingerprint); ``fetcher`` for tests (default: a new static-only one)."""
    from weasyprint import HTML

    fetcher = fetcher or static_only_fetcher()
    document = HTML(string=unicodedata.normalize("NFC", html), base_url=str(settings.BASE_DIR),
                    url_fetcher=fetcher).render()
    metadata = document.metadata
    metadata.title = unicodedata.normalize("NFC", title)
    metadata.authors = [unicodedata.normalize("NFC", author)] if author else []
    metadata.description = unicodedata.normalize("NFC", subject) if subject else None
    metadata.lang = LANGUAGE
    metadata.generator = "Hệ thống đánh giá, xếp loại"
    options = {"pdf_tags": True}
    if pdfa:
        options["pdf_variant"] = PDFA_VARIANT
    return document.write_pdf(finisher=finisher, **options)
