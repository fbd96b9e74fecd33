"""HTML to PDF bytes through WeasyPrint; imported only where a PDF is made (the import is slow)."""

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from handouts.errors import RenderError


class AssetFetcher(weasyprint.URLFetcher):
    """Serves local files under the allowed asset folders and nothing else."""

    def __init__(self, folders: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self.folders = [folder.resolve() for folder in folders]

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("data:"):  # made by our own templates (recoloured pictograms); no file is read
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise PermissionError(f"{url}: only files in the project's assets/ folder may be used")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.folders):
            raise PermissionError(f"{url}: outside the project's assets/ folder")
        if not path.is_file():
            raise FileNotFoundError(f"{url}: file not found")
        return super().fetch(path.as_uri(), headers)


@cache
def font_configuration() -> FontConfiguration:
    """One per process: fonts are loaded once and shared by every render."""
    return FontConfiguration()


def render_document(html: str, base: Path, asset_folders: list[Path]) -> "weasyprint.document.Document":
    """Lay out the pages; relative URLs resolve against `base`, assets come only from `asset_folders`."""
    fetcher = AssetFetcher(asset_folders)
    try:
        return weasyprint.HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher).render(
            font_config=font_configuration(), pdf_tags=True
        )
    except FatalURLFetchingError as error:
        raise RenderError(f"asset refused: {error.__cause__ or error}") from None


def write_pdf(document: "weasyprint.document.Document") -> bytes:
    """The laid-out pages as a tagged PDF."""
    return document.write_pdf(pdf_tags=True)
