"""The datasets the observatory knows: file names, formats and download addresses.

A dataset is found by its file name, in the local mirror (``CLUSTEROBS_MIRROR``) or in the
download cache; ``url`` is where :mod:`clusterobs.sources.fetch` downloads it from when no
mirror is set. Reference files re-published outside Eurostat's API carry the address of the
copy their provenance names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clusterobs.errors import FetchError

_ESTAT = "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/{code}?format=TSV&compressed=true"
_GISCO = "https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson/{name}"


@dataclass(frozen=True)
class Dataset:
    """One source file: where it comes from and how to read it."""

    id: str
    file_name: str
    kind: str
    url: str | None
    title: str
    #: gzip the downloaded bytes before caching (GISCO serves plain GeoJSON)
    gzip_download: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: other file names of the same data (e.g. the SDMX-CSV form of a TSV dataset)
    alternatives: tuple[str, ...] = ()


def _gisco(version: int, level: int) -> Dataset:
    name = f"NUTS_RG_20M_{version}_4326_LEVL_{level}.geojson"
    return Dataset(
        id=f"gisco-nuts{version}-l{level}",
        file_name=name + ".gz",
        kind="gisco_geojson",
        url=_GISCO.format(name=name),
        title=f"GISCO NUTS {version} regions, level {level}, 1:20M, EPSG:4326",
        gzip_download=True,
        tags=("geometry",),
    )


#: reference files: geographies and classifications (the data sources are declared per
#: dataset in ``clusterobs/data/datasets``, see :mod:`clusterobs.sources.declarations`)
REFERENCE: tuple[Dataset, ...] = (
    *(_gisco(2016, level) for level in (0, 1, 2)),
    Dataset(
        "nuts-names", "nuts_names_2013_2016_2021_2024.csv", "nuts_names", None,
        "NUTS region names, versions 2013, 2016, 2021, 2024", tags=("core",),
    ),
    Dataset(
        "nuts-crosswalks", "jrc_nuts_converter_crosswalks_2006_2024.csv.gz", "nuts_crosswalk", None,
        "JRC NUTS converter crosswalks 2006-2024", tags=("core",),
    ),
    Dataset(
        "nace", "nace_rev2_structure.csv", "nace_structure", None,
        "NACE Rev.2 structure (sections to classes)", tags=("core",),
    ),
    Dataset(
        "naics2017", "naics2017.csv", "naics_codes", None, "NAICS 2017 codes and titles", tags=("core",),
    ),
    Dataset(
        "cbsa-lookup", "county_cbsa_state_lookup.csv", "cbsa_lookup", None,
        "US counties, CBSAs and states (names, principal state)", tags=("core",),
    ),
)


def _declared() -> tuple[Dataset, ...]:
    """One catalog entry per source file of every declared dataset."""
    from clusterobs.sources import declarations

    out = []
    for ds in declarations.all_datasets().values():
        for src in ds.sources:
            tags = ("data", *(() if ds.user else ("core",)), *(("optional",) if src.optional else ()))
            out.append(Dataset(src.id, src.file, src.format, src.url, src.title, tags=tags,
                               alternatives=src.alternative_files))
    return tuple(out)


def datasets() -> tuple[Dataset, ...]:
    """Every known source file: reference files and the declared datasets' sources."""
    return (*REFERENCE, *_declared())


def get(dataset_id: str) -> Dataset:
    """The source file named *dataset_id*; the error lists the known names."""
    by_id = {d.id: d for d in datasets()}
    try:
        return by_id[dataset_id]
    except KeyError:
        known = ", ".join(sorted(by_id))
        raise FetchError(f"unknown dataset {dataset_id!r}: expected one of {known}") from None


def core_ids() -> list[str]:
    """The files the main job loads: every built-in dataset's sources, geographies, classifications."""
    return [d.id for d in datasets() if "core" in d.tags or "geometry" in d.tags]
