"""Load and validate the stress-test questionnaire (``data/stresstest_v<N>.yaml``).

Every problem raises :class:`clusterobs.errors.SchemaError` naming the file and the key
(``sections[2].items[0].scale``) and what was expected. The result is the frozen
:class:`clusterobs.core.stresstest.Questionnaire`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from clusterobs.core.stresstest import Item, Link, Questionnaire, Section
from clusterobs.errors import SchemaError

__all__ = ["DEFAULT", "CLAIMS", "load", "parse"]

DEFAULT = "stresstest_v1.yaml"
ID = re.compile(r"^[A-Z][0-9]{1,2}$")
ITEM_ID = re.compile(r"^[A-Z][0-9]{1,2}\.[0-9]{1,2}$")
SCALES = ("likert", "yesno")
DIMENSIONS = ("knowledge_skills", "access_to_finance", "collaboration_internationalisation",
              "demand_conditions", "entrepreneurial_conditions", "quality_of_governance")  # fmt: skip
CLAIMS = ("strong_clusters", "emerging_industries", *DIMENSIONS)
N_ITEMS = (30, 45)


class _Check:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> SchemaError:
        return SchemaError(f"{key}: {message}", path=self.path)

    def get(self, mapping: Any, key: str, where: str, kind: type | tuple[type, ...],
            default: Any = ...) -> Any:  # fmt: skip
        name = f"{where}.{key}" if where else key
        if not isinstance(mapping, dict):
            raise self.fail(where or "(top)", f"expected a mapping, got {type(mapping).__name__}")
        if key not in mapping:
            if default is ...:
                raise self.fail(name, "missing")
            return default
        value = mapping[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
            raise self.fail(name, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(name, "must not be empty")
        return value


def _links(c: _Check, raw: Any, where: str) -> tuple[Link, ...]:
    if not isinstance(raw, list):
        raise c.fail(where, "expected a list of {label, url}")
    out = []
    for n, link in enumerate(raw):
        url = c.get(link, "url", f"{where}[{n}]", str)
        if not url.startswith(("/", "https://", "http://")):
            raise c.fail(f"{where}[{n}].url", f"expected a site path or http(s) URL, got {url!r}")
        out.append(Link(c.get(link, "label", f"{where}[{n}]", str), url))
    return tuple(out)


def _item(c: _Check, raw: Any, where: str, section_id: str) -> Item:
    item_id = c.get(raw, "id", where, str)
    if not ITEM_ID.match(item_id) or not item_id.startswith(section_id + "."):
        raise c.fail(f"{where}.id", f"expected '{section_id}.<n>', got {item_id!r}")
    scale = c.get(raw, "scale", where, str)
    if scale not in SCALES:
        raise c.fail(f"{where}.scale", f"expected one of {', '.join(SCALES)}, got {scale!r}")
    weight = float(c.get(raw, "weight", where, (int, float), 1))
    if not 0 < weight <= 10:
        raise c.fail(f"{where}.weight", f"expected a number in (0, 10], got {weight}")
    claim = c.get(raw, "claim", where, str, None)
    if claim is not None and claim not in CLAIMS:
        raise c.fail(f"{where}.claim", f"expected one of {', '.join(CLAIMS)}, got {claim!r}")
    unknown = set(raw) - {"id", "text", "scale", "weight", "reverse", "guidance", "links", "claim"}
    if unknown:
        raise c.fail(where, f"unknown keys {sorted(unknown)}")
    return Item(item_id, c.get(raw, "text", where, str), scale, c.get(raw, "guidance", where, str),
                weight, c.get(raw, "reverse", where, bool, False),
                _links(c, raw.get("links", []), f"{where}.links"), claim)  # fmt: skip


def _section(c: _Check, raw: Any, where: str) -> Section:
    sid = c.get(raw, "id", where, str)
    if not ID.match(sid):
        raise c.fail(f"{where}.id", f"expected a code like 'S1', got {sid!r}")
    dimension = c.get(raw, "dimension", where, str, None)
    if dimension is not None and dimension not in DIMENSIONS:
        raise c.fail(f"{where}.dimension", f"expected one of {', '.join(DIMENSIONS)}, got {dimension!r}")
    raw_items = c.get(raw, "items", where, list)
    if not raw_items:
        raise c.fail(f"{where}.items", "a section needs at least one question")
    sources = c.get(raw, "sources", where, list)
    if not sources or not all(isinstance(s, str) and s.startswith("http") for s in sources):
        raise c.fail(f"{where}.sources", "expected a non-empty list of source URLs")
    items = tuple(_item(c, r, f"{where}.items[{n}]", sid) for n, r in enumerate(raw_items))
    return Section(sid, c.get(raw, "title", where, str), " ".join(c.get(raw, "principle", where, str).split()),
                   items, tuple(sources), dimension)  # fmt: skip


def parse(data: Any, path: str = "<questionnaire>") -> Questionnaire:
    """A :class:`Questionnaire` from parsed YAML, or :class:`SchemaError` naming the key."""
    c = _Check(path)
    raw_sections = c.get(data, "sections", "", list)
    sections = tuple(_section(c, r, f"sections[{n}]") for n, r in enumerate(raw_sections))
    ids = [s.id for s in sections] + [i.id for s in sections for i in s.items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise c.fail("sections", f"duplicate ids {dupes}")
    n = sum(len(s.items) for s in sections)
    if not N_ITEMS[0] <= n <= N_ITEMS[1]:
        raise c.fail("sections", f"expected {N_ITEMS[0]}-{N_ITEMS[1]} questions in all, got {n}")
    labels = c.get(data, "labels", "", dict)
    for scale in (*SCALES, "dk"):
        c.get(labels, scale, "labels", (dict, str))
    version = c.get(data, "version", "", int)
    return Questionnaire(c.get(data, "id", "", str), version, c.get(data, "title", "", str),
                         " ".join(c.get(data, "intro", "", str).split()), sections,
                         {k: (v if isinstance(v, dict) else {"dk": v}) for k, v in labels.items()})  # fmt: skip


@lru_cache(maxsize=4)
def load(path: Path | str | None = None) -> Questionnaire:
    """The packaged questionnaire (default ``stresstest_v1.yaml``) or the one at *path*."""
    if path is None:
        text = resources.files("clusterobs.data").joinpath(DEFAULT).read_text(encoding="utf-8")
        name = f"clusterobs/data/{DEFAULT}"
    else:
        text, name = Path(path).read_text(encoding="utf-8"), str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemaError(f"not valid YAML: {exc}", path=name) from exc
    return parse(data, name)
