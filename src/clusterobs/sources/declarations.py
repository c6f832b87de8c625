"""Dataset declarations: every fact about a dataset that the pipeline needs, as data.

A *dataset* is one series that the observatory builds and serves (Europe, Great Britain, the
United States, a user's own table). Its declaration (``clusterobs/data/datasets/*.yaml`` for
the built-in ones, ``$CLUSTEROBS_VAR/datasets/*.yaml`` for those added with
``clusterobs data add``) holds:

- its *sources*: the files (reader and format, dimension or column map, measures with
  units and scale, what each flag letter means, the classification their industry codes
  are in, the NUTS version of their region codes, where to download them);
- its *geography* (kind and version: NUTS, US CBSAs, or a user's geography file);
- its *classification* after reading (NACE_R2, NAICS2017, or a user's own codes);
- which industries make a region's *business total* (or the rule for it);
- the category *schemes* to rate, the default one, and the scheme of the trends analysis;
- whether confidential cells are estimated, and the attribution text.

Every later step (load, build, portal) reads the declaration, never a literal
(architecture.md "The next shape"; docs/datasets.md).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from clusterobs import config
from clusterobs.errors import ConfigError

#: the measures the engine knows (methodology §1); a source maps its own codes onto these
CORE_MEASURES = ("employment", "establishments", "wages")
#: the classifications a user's table may be in, and what they are read as
CLASSIFICATIONS = {"nace-r2": "NACE_R2", "sic-2007": "NACE_R2", "isic-4": "NACE_R2",
                   "naics-2017": "NAICS2017", "own": "OWN"}
#: what flag meanings make a value uncertain (estimated, provisional, ...) in the ratings
UNCERTAIN_MEANINGS = frozenset({"estimated", "provisional", "break", "low reliability",
                                "Eurostat estimate"})
_ID = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class Measure:
    """One published measure: the engine's name for it, its unit, and the factor to that unit."""

    measure: str
    unit: str
    scale: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class Source:
    """One source file of a dataset and how to read it."""

    id: str
    title: str
    file: str
    format: str
    url: str | None = None
    alternative_files: tuple[str, ...] = ()
    nuts_version: int | None = None
    optional: bool = False
    break_before: bool = False
    dimensions: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    year: int | None = None
    industry_codes: str | None = None
    industry_filter: str | None = None
    extra_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    total_code: str | None = None
    #: rows of regions outside the geography: ``error`` (default) or ``drop`` (reported)
    unknown_regions: str = "error"

    def measure_map(self) -> dict[str, str]:
        """Published measure code -> the engine's measure name."""
        return {code: m.measure for code, m in self.measures.items()}

    def scale_of(self, measure: str) -> float:
        """The factor that turns stored values of *measure* into its unit (wages: EUR)."""
        for m in self.measures.values():
            if m.measure == measure:
                return m.scale
        return 1.0

    def flag_letters(self, *meanings: str) -> str:
        """The flag letters whose meaning is one of *meanings*."""
        return "".join(sorted(k for k, v in self.flags.items() if v in meanings))


@dataclass(frozen=True)
class Geography:
    """The regions of a dataset: their kind, version and the levels that hold data."""

    kind: str
    version: int
    levels: tuple[int, ...] = (2,)
    file: str | None = None
    path: str | None = None
    label: str = ""
    #: a regular expression of codes that are no region (e.g. NUTS extra-regio ``DEZZ``)
    exclude: str | None = None
    #: keep only the boundaries of regions with data (a country's dataset on a Europe-wide map)
    clip: bool = False
    #: what each level is called (default: "NUTS n" for NUTS, "level n" otherwise)
    level_names: dict[int, str] = field(default_factory=dict)

    def level_name(self, level: int) -> str:
        """The name of *level* in this geography, e.g. ``NUTS 2`` or ``metro area (CBSA)``."""
        if level in self.level_names:
            return self.level_names[level]
        return f"NUTS {level}" if self.kind == "nuts" else f"level {level}"

    @property
    def has_crosswalk(self) -> bool:
        """NUTS codes of older versions are converted to :attr:`version` (methodology §5.3)."""
        return self.kind == "nuts"


@dataclass(frozen=True)
class Dataset:
    """The declaration of one dataset (see the module docstring)."""

    id: str
    title: str
    geography: Geography
    classification: str
    sources: tuple[Source, ...]
    schemes: tuple[str, ...]
    default_scheme: str
    total_industries: tuple[str, ...] = ()
    total_note: str = ""
    trends_scheme: str | None = None
    impute_confidential: bool = False
    scoreboard: bool = False
    default: bool = False
    order: int = 99
    description: str = ""
    attribution: str = ""
    user: bool = False
    scheme_file: str | None = None
    #: ``class``: schemes defined at NACE class level are used at that level (4-digit data)
    scheme_detail: str = "division"
    #: sum parent industry levels the sources do not publish (data at one fine level)
    derive_levels: bool = False

    @property
    def source_ids(self) -> list[str]:
        """The ids of its sources, as stored in ``observations.dataset``."""
        return [s.id for s in self.sources]

    def source(self, source_id: str) -> Source:
        """Its source *source_id*."""
        for s in self.sources:
            if s.id == source_id:
                return s
        raise ConfigError(f"dataset {self.id!r} has no source {source_id!r}")

    def summary(self) -> dict[str, Any]:
        """What the build records about the dataset (``build_info.dataset``)."""
        return {
            "id": self.id, "title": self.title, "description": self.description.strip(),
            "geography": {"kind": self.geography.kind, "version": self.geography.version,
                          "levels": list(self.geography.levels)},
            "classification": self.classification, "schemes": list(self.schemes),
            "scheme_detail": self.scheme_detail,
            "default_scheme": self.default_scheme, "trends_scheme": self.trends_scheme,
            "business_total": {"industries": list(self.total_industries), "note": self.total_note},
            "sources": [{"id": s.id, "title": s.title, "file": s.file,
                         "measures": {c: {"measure": m.measure, "unit": m.unit, "scale": m.scale}
                                      for c, m in s.measures.items()},
                         "flags": s.flags} for s in self.sources],
            "impute_confidential": self.impute_confidential, "attribution": self.attribution.strip(),
            "user": self.user,
        }


def _measures(raw: dict[str, Any], where: str) -> dict[str, Measure]:
    out = {}
    for code, spec in (raw or {}).items():
        spec = {"measure": spec} if isinstance(spec, str) else dict(spec)
        if "measure" not in spec:
            raise ConfigError(f"{where}: measure {code!r} names no `measure`")
        out[str(code)] = Measure(measure=str(spec["measure"]), unit=str(spec.get("unit", "")),
                                 scale=float(spec.get("scale", 1.0)), note=str(spec.get("note", "")))
    return out


def _source(raw: dict[str, Any], where: str) -> Source:
    try:
        return Source(
            id=str(raw["id"]), title=str(raw.get("title", raw["id"])), file=str(raw["file"]),
            format=str(raw["format"]), url=raw.get("url"),
            alternative_files=tuple(raw.get("alternative_files") or ()),
            nuts_version=raw.get("nuts_version"), optional=bool(raw.get("optional", False)),
            break_before=bool(raw.get("break_before", False)),
            dimensions=dict(raw.get("dimensions") or {}), ignore=tuple(raw.get("ignore") or ()),
            columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
            year=raw.get("year"), industry_codes=raw.get("industry_codes"),
            industry_filter=raw.get("industry_filter"),
            extra_codes={str(k): dict(v) for k, v in (raw.get("extra_codes") or {}).items()},
            measures=_measures(raw.get("measures") or {}, where),
            flags={str(k): str(v) for k, v in (raw.get("flags") or {}).items()},
            sheet=raw.get("sheet"), total_code=raw.get("total_code"),
            unknown_regions=str(raw.get("unknown_regions", "error")),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: a source lacks the field {exc.args[0]!r}") from None


def from_dict(raw: dict[str, Any], where: str = "declaration", *, user: bool = False) -> Dataset:
    """A :class:`Dataset` from its YAML mapping; a one-line ConfigError naming the field."""
    for key in ("id", "title", "geography", "classification", "sources", "schemes"):
        if key not in raw:
            raise ConfigError(f"{where}: missing field {key!r}")
    if not _ID.match(str(raw["id"])):
        raise ConfigError(f"{where}: id {raw['id']!r} must be 2-40 lower-case letters, digits or '-', "
                          "starting with a letter")
    geo = dict(raw["geography"])
    total = raw.get("business_total") or {}
    schemes = tuple(str(s) for s in raw["schemes"])
    return Dataset(
        id=str(raw["id"]), title=str(raw["title"]),
        geography=Geography(kind=str(geo["kind"]), version=int(geo["version"]),
                            levels=tuple(int(x) for x in geo.get("levels", [2])),
                            file=geo.get("file"), path=geo.get("path"), label=str(geo.get("label", "")),
                            exclude=geo.get("exclude"), clip=bool(geo.get("clip", False)),
                            level_names={int(k): str(v) for k, v in (geo.get("level_names") or {}).items()}),
        classification=str(raw["classification"]),
        sources=tuple(_source(s, where) for s in raw["sources"]),
        schemes=schemes, default_scheme=str(raw.get("default_scheme") or schemes[0]),
        total_industries=tuple(str(x) for x in total.get("industries") or ()),
        total_note=str(total.get("note", "")), trends_scheme=raw.get("trends_scheme"),
        impute_confidential=bool(raw.get("impute_confidential", False)),
        scoreboard=bool(raw.get("scoreboard", False)), default=bool(raw.get("default", False)),
        order=int(raw.get("order", 99)), description=str(raw.get("description", "")),
        attribution=str(raw.get("attribution", "")), user=user, scheme_file=raw.get("scheme_file"),
        scheme_detail=str(raw.get("scheme_detail", "division")),
        derive_levels=bool(raw.get("derive_levels", False)),
    )


def to_dict(ds: Dataset) -> dict[str, Any]:
    """The YAML mapping of a user's declaration (the inverse of :func:`from_dict`)."""
    return {
        "id": ds.id, "title": ds.title, "description": ds.description,
        "geography": {"kind": ds.geography.kind, "version": ds.geography.version,
                      "levels": list(ds.geography.levels), "path": ds.geography.path,
                      **({"level_names": dict(ds.geography.level_names)} if ds.geography.level_names else {})},
        "classification": ds.classification, "schemes": list(ds.schemes),
        "default_scheme": ds.default_scheme, "trends_scheme": ds.trends_scheme,
        "scheme_file": ds.scheme_file,
        "business_total": {"industries": list(ds.total_industries), "note": ds.total_note},
        "impute_confidential": ds.impute_confidential, "attribution": ds.attribution,
        "order": ds.order, "derive_levels": ds.derive_levels, "scheme_detail": ds.scheme_detail,
        "sources": [{
            "id": s.id, "title": s.title, "file": s.file, "format": s.format, "url": s.url,
            "columns": s.columns, "industry_codes": s.industry_codes, "sheet": s.sheet,
            "total_code": s.total_code, "year": s.year,
            "measures": {c: {"measure": m.measure, "unit": m.unit, "scale": m.scale}
                         for c, m in s.measures.items()},
            "flags": s.flags,
        } for s in ds.sources],
    }


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of declaration fields")
    return raw


@functools.lru_cache(maxsize=1)
def builtin() -> dict[str, Dataset]:
    """The declarations shipped with the package, by id (read once per process)."""
    folder = resources.files("clusterobs.data").joinpath("datasets")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            ds = from_dict(_read_yaml(entry.read_text("utf-8"), entry.name), entry.name)
            out[ds.id] = ds
    return out


@functools.lru_cache(maxsize=1)
def default_scheme() -> str:
    """The default scheme of the built-in default dataset (what Europe-wide features such as
    the scoreboard, the stress test and the meeting space speak in)."""
    known = builtin()
    main = next((d for d in known.values() if d.default), next(iter(known.values())))
    return main.default_scheme


def user_dir() -> Path:
    """Folder of the declarations added with ``clusterobs data add``."""
    return config.var_dir() / "datasets"


def user() -> dict[str, Dataset]:
    """The users' declarations, by id; parsed again only when a file is added, removed or
    replaced (every page and command asks for them)."""
    folder = user_dir()
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
    except OSError:
        stamp = ()
    return _parse_user(str(folder), stamp)


@functools.lru_cache(maxsize=8)
def _parse_user(folder: str, stamp: tuple[tuple[str, int], ...]) -> dict[str, Dataset]:
    out = {}
    for name, _ in stamp:
        path = Path(folder) / name
        ds = from_dict(_read_yaml(path.read_text("utf-8"), str(path)), str(path), user=True)
        out[ds.id] = ds
    return out


def all_datasets() -> dict[str, Dataset]:
    """Built-in and user declarations, in display order (the default dataset first)."""
    both = {**builtin(), **user()}
    return dict(sorted(both.items(), key=lambda kv: (not kv[1].default, kv[1].order, kv[0])))


def get(dataset_id: str) -> Dataset:
    """The declaration of *dataset_id*; the error lists the known ones."""
    known = all_datasets()
    if dataset_id not in known:
        raise ConfigError(f"unknown dataset {dataset_id!r}: expected one of {', '.join(known)}")
    return known[dataset_id]


def default_id() -> str:
    """The dataset shown when none is chosen (declared ``default: true``)."""
    known = all_datasets()
    for ds in known.values():
        if ds.default:
            return ds.id
    return next(iter(known))


def of_source(source_id: str) -> Dataset | None:
    """The dataset that declares source *source_id*, if any."""
    for ds in all_datasets().values():
        if source_id in ds.source_ids:
            return ds
    return None


def save_user(ds: Dataset) -> Path:
    """Write a user's declaration (atomically) and return its path."""
    folder = user_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ds.id}.yaml"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(yaml.safe_dump(to_dict(ds), sort_keys=False, allow_unicode=True), "utf-8")
    tmp.replace(path)
    return path
