"""Read and render the Markdown files of ``docs/methodology/`` for the portal.

The repository's Markdown is the only source: the same file reads on GitHub and at
``/methodology/<slug>/``. Links between methodology files become links between the portal
pages (``schemes.md#purity`` -> ``/methodology/schemes/#purity``); links to files outside
the folder keep their text and name the file, so the portal never links to a missing page.
Headings get the ids GitHub gives them (``## Confidence`` -> ``#confidence``), which the
portal's rating markers link to.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor

ROOT = Path(__file__).resolve().parents[4] / "docs" / "methodology"
SLUG = re.compile(r"^[a-z0-9-]+(?:/[a-z0-9-]+)?$")
FIRST = ("ratings",)  # shown first on the index: what every page's markers link to
URL = "/methodology/"


@dataclass(frozen=True)
class Doc:
    """One rendered methodology file."""

    slug: str
    title: str
    html: str
    toc: str


def root() -> Path:
    """The folder of the methodology Markdown files."""
    return ROOT


def slugs() -> list[str]:
    """Every methodology page: ``ratings``, ``schemes``, ``emerging/digital``... (ratings first)."""
    base = root()
    if not base.is_dir():
        return []
    found = sorted(p.relative_to(base).with_suffix("").as_posix() for p in base.rglob("*.md"))
    found = [s for s in found if SLUG.match(s)]
    return [s for s in FIRST if s in found] + [s for s in found if s not in FIRST]


def _target(href: str, here: str) -> tuple[str | None, str]:
    """The portal URL of a relative Markdown link *href* in page *here*, or None; and the file named."""
    path, _, fragment = href.partition("#")
    folder = posixpath.dirname(here)
    joined = posixpath.normpath(posixpath.join(folder, path)) if path else here
    anchor = f"#{fragment}" if fragment else ""
    if path.endswith("/") or (root() / joined).is_dir():
        if not joined.startswith("..") and (root() / joined).is_dir():
            return f"{URL}#{joined.strip('/')}", joined
        return None, f"docs/methodology/{joined}"
    slug = joined.removesuffix(".md")
    if not joined.startswith("..") and joined.endswith(".md") and (root() / joined).is_file() and SLUG.match(slug):
        return f"{URL}{slug}/{anchor}", joined
    if not path:
        return anchor, joined
    return None, posixpath.normpath(posixpath.join("docs/methodology", joined))


class _Links(Treeprocessor):
    def __init__(self, md: markdown.Markdown, here: str) -> None:
        super().__init__(md)
        self.here = here

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for el in list(parent):
                href = el.get("href") if el.tag == "a" else None
                if href is None or re.match(r"^[a-z][a-z0-9+.-]*:", href):
                    continue  # absolute links (https:, mailto:) stay as written
                url, named = _target(href, self.here)
                if url is not None:
                    el.set("href", url)
                    continue
                # a file outside the methodology folder: keep the text, name the file
                el.tag = "span"
                el.attrib.pop("href", None)
                el.set("class", "doc-ref")
                el.tail = f" ({named} in the repository)" + (el.tail or "")


class _LinkExtension(Extension):
    def __init__(self, here: str) -> None:
        super().__init__()
        self.here = here

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_Links(md, self.here), "methodology_links", 5)


def _github_slug(value: str, separator: str) -> str:
    """Heading ids as GitHub makes them: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", value.strip().lower())
    return text.replace(" ", separator)


@functools.lru_cache(maxsize=64)
def _render(slug: str, mtime: float) -> Doc:
    text = (root() / f"{slug}.md").read_text(encoding="utf-8")
    md = markdown.Markdown(extensions=[
        "tables", "fenced_code", "sane_lists",
        TocExtension(slugify=_github_slug, toc_depth="2-3"),
        _LinkExtension(f"{slug}.md"),
    ])
    html = md.convert(text)
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), slug)
    # the first heading is the page's h1, written by the template
    html = re.sub(r"^\s*<h1[^>]*>.*?</h1>\s*", "", html, count=1, flags=re.S)
    return Doc(slug, title, html, getattr(md, "toc", ""))


def load(slug: str) -> Doc | None:
    """The rendered page *slug*, or None when there is no such file (re-read when it changes)."""
    if not SLUG.match(slug):
        return None
    path = root() / f"{slug}.md"
    if not path.is_file():
        return None
    return _render(slug, path.stat().st_mtime)


def title(slug: str) -> str:
    """The first heading of page *slug*."""
    doc = load(slug)
    return doc.title if doc else slug
