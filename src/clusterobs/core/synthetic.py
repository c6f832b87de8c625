"""Seeded synthetic fine-geography data: what a dataset of municipalities or counties x NACE
classes x decades looks like, at any size (docs/datasets.md "Generated data").

Used to measure how the build scales (``bench/scaling_bench.py``) and to try a Spark cluster
without real data. Everything is a pure function of the seed: the same seed and sizes give the
same rows, whatever the chunking, because every region draws from its own random stream
(``numpy.random.default_rng([seed, region_index])``).

The model, kept close to what real regional business statistics look like:

- *Geography*: a three-level hierarchy, NUTS-like codes (``YA`` country, ``YA3`` larger
  region, ``YA3B`` small region); each small region has one parent, each larger region one
  country. Region size (employment) is Pareto-distributed (shape 1.1, at least 20,000
  persons): a few metropolitan
  regions hold much of the employment, as in NUTS 3 or US counties.
- *Industries*: the NACE Rev.2 classes given (the 615 of the real reference); each has a
  national weight drawn from a lognormal (sigma 1.3), an average establishment size
  (lognormal around 7 persons) and a wage per person (lognormal around EUR 35,000).
- *Sparsity*: a region holds only some classes; larger regions hold more of them (cells per
  region proportional to the square root of its size). Which classes is a weighted draw
  without replacement (Gumbel top-k on the class weights), so big industries are nearly
  everywhere and small ones in few places. Exactly the requested number of rows is
  produced: the last class of a region enters in a later year (a firm entering).
- *Values*: employment = region size x class share x lognormal noise (sigma 1), growing
  along a per-cell random walk over the years (mean +1 %, sd 5 % a year); rounded, at least 1.
  Establishments = employment / class's average size (at least 1); wages = employment x
  wage per person x lognormal noise (sigma 0.15), in thousand EUR
  (as Eurostat publishes wages in million EUR: declared with a scale).
- *Confidentiality*, like Eurostat's and ONS's primary and secondary suppression: a cell
  with fewer than 3 establishments is withheld (flag ``c``, no values); where a division of
  a region-year has exactly one withheld class, its smallest published sibling is withheld
  too, so the division total cannot reveal it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the columns of a generated table, in file order
COLUMNS = ["region", "industry", "year", "employment", "establishments", "wages", "flag"]
#: establishments below this make a cell confidential (primary suppression)
MIN_ESTABLISHMENTS = 3
_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_COUNTRY_LETTERS = "YZX"  # no ISO/NUTS country code starts with these letters


@dataclass(frozen=True)
class Sizes:
    """How many countries, larger and small regions, and which years."""

    countries: int = 30
    larger: int = 300
    small: int = 1500
    first_year: int = 2004
    last_year: int = 2023

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def check(self, rows: int, classes: int) -> None:
        """A ValueError (one line) when the sizes cannot hold *rows* rows."""
        if not 1 <= self.countries <= 26 * len(_COUNTRY_LETTERS):
            raise ValueError(f"countries must be 1-{26 * len(_COUNTRY_LETTERS)}, not {self.countries}")
        if not self.countries <= self.larger <= self.countries * len(_CHARS):
            raise ValueError(f"larger regions must be {self.countries}-{self.countries * len(_CHARS)} "
                             f"for {self.countries} countries, not {self.larger}")
        if not self.larger <= self.small <= self.larger * len(_CHARS):
            raise ValueError(f"small regions must be {self.larger}-{self.larger * len(_CHARS)} "
                             f"for {self.larger} larger regions, not {self.small}")
        if self.last_year < self.first_year:
            raise ValueError(f"years {self.first_year}-{self.last_year} are empty")
        capacity = int(0.9 * self.small * classes * len(self.years))
        if not 1 <= rows <= capacity:
            raise ValueError(f"rows must be 1-{capacity:,} for {self.small:,} small regions x {classes} "
                             f"classes x {len(self.years)} years (at most 90% of the cells); "
                             "give more regions or years")


def sizes_for(rows: int, classes: int = 615, years: tuple[int, int] = (2004, 2023),
              density: float = 0.55) -> Sizes:
    """Sizes holding *rows* rows at about *density* of the cells: 30 countries (fewer for a
    small table, more when 30 cannot hold the larger regions a code has room for), 5 small
    regions per larger region (more once the codes hold no more larger regions), and, past
    what the codes hold at *density*, denser cells.

    >>> sizes_for(20_000_000)
    Sizes(countries=30, larger=592, small=2957, first_year=2004, last_year=2023)
    >>> sizes_for(60_000_000)
    Sizes(countries=50, larger=1774, small=8870, first_year=2004, last_year=2023)
    >>> sizes_for(1_000_000_000)
    Sizes(countries=78, larger=2808, small=101088, first_year=2004, last_year=2023)
    """
    n_years = years[1] - years[0] + 1
    most_larger = 26 * len(_COUNTRY_LETTERS) * len(_CHARS)
    small = min(most_larger * len(_CHARS), max(5, math.ceil(rows / (classes * n_years * density))))
    larger = max(1, math.ceil(small / max(5, math.ceil(small / most_larger))))
    countries = max(1, min(30, larger), math.ceil(larger / len(_CHARS)))
    larger = max(larger, countries)
    return Sizes(countries, larger, max(small, larger), years[0], years[1])


def _spread(total: int, parts: int) -> np.ndarray:
    """*total* items over *parts* as evenly as possible (the first ones get one more)."""
    base, extra = divmod(total, parts)
    return np.array([base + (i < extra) for i in range(parts)], dtype=np.int64)


def regions(sizes: Sizes) -> pd.DataFrame:
    """The hierarchy: ``region, level, parent, country, name`` (levels 0, 1, 2)."""
    rows: list[tuple[str, int, str | None, str, str]] = []
    countries = [f"{_COUNTRY_LETTERS[i // 26]}{chr(65 + i % 26)}" for i in range(sizes.countries)]
    larger_per = _spread(sizes.larger, sizes.countries)
    larger_codes: list[tuple[str, str]] = []
    for country, n in zip(countries, larger_per, strict=True):
        rows.append((country, 0, None, country, f"Country {country}"))
        for j in range(int(n)):
            code = country + _CHARS[j]
            rows.append((code, 1, country, country, f"Region {code}"))
            larger_codes.append((code, country))
    small_per = _spread(sizes.small, sizes.larger)
    for (parent, country), n in zip(larger_codes, small_per, strict=True):
        for j in range(int(n)):
            code = parent + _CHARS[j]
            rows.append((code, 2, parent, country, f"Area {code}"))
    return pd.DataFrame(rows, columns=["region", "level", "parent", "country", "name"])


def _region_sizes(n: int, seed: int) -> np.ndarray:
    """Employment of each small region: Pareto (shape 1.1), at least 20,000 persons."""
    rng = np.random.default_rng([seed, 0, 1])
    return 20_000.0 * (1.0 + rng.pareto(1.1, n))


def _industry_traits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class: national weight, average establishment size, wage per person (EUR)."""
    rng = np.random.default_rng([seed, 0, 2])
    weight = rng.lognormal(0.0, 1.3, n)
    size = rng.lognormal(math.log(7.0), 0.8, n)
    wage = rng.lognormal(math.log(35_000.0), 0.35, n)
    return weight / weight.mean(), size, wage


def cells_per_region(rows: int, region_size: np.ndarray, capacity: int) -> np.ndarray:
    """Cells (industry x year) of each region: proportional to the square root of its size,
    at most *capacity*, summing to exactly *rows* (largest remainders)."""
    share = np.sqrt(region_size)
    out = np.zeros(len(share), dtype=np.int64)
    free = np.ones(len(share), dtype=bool)
    left = rows
    while left > 0:
        ideal = left * share * free / (share * free).sum()
        room = capacity - out
        take = np.minimum(np.floor(ideal).astype(np.int64), room)
        remainder = np.where(free & (take < room), ideal - np.floor(ideal), -1.0)
        short = left - int(take.sum())
        if short > 0:
            top = np.argsort(-remainder, kind="stable")[:short]
            top = top[remainder[top] >= 0]
            take[top] += 1
        out += take
        left -= int(take.sum())
        free = out < capacity
    return out


def generate(rows: int, seed: int, classes: Sequence[str], sizes: Sizes,
             chunk_regions: int = 200) -> Iterator[pd.DataFrame]:
    """The rows of the table, a chunk of about *chunk_regions* small regions at a time (each
    chunk sorted by region, industry, year); exactly *rows* rows in all."""
    sizes.check(rows, len(classes))
    geo = regions(sizes)
    small = geo[geo["level"] == 2]
    codes = small["region"].to_numpy()
    years = np.array(sizes.years, dtype=np.int32)
    n_years = len(years)
    size = _region_sizes(len(codes), seed)
    weight, est_size, wage = _industry_traits(len(classes), seed)
    counts = cells_per_region(rows, size, int(0.9 * len(classes) * n_years))
    class_codes = np.asarray(classes, dtype=object)
    division = np.array([c[:3] for c in classes], dtype=object)
    for start in range(0, len(codes), chunk_regions):
        parts = [_region_rows(i, codes[i], int(counts[i]), size[i], seed, weight, est_size, wage, years)
                 for i in range(start, min(start + chunk_regions, len(codes)))]
        yield _suppress(pd.concat(parts, ignore_index=True), class_codes, division)


def _region_rows(index: int, code: str, cells: int, size: float, seed: int, weight: np.ndarray,
                 est_size: np.ndarray, wage: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 1, index])
    n_years = len(years)
    k = math.ceil(cells / n_years)
    # Gumbel top-k: a weighted draw of k classes without replacement
    keys = np.log(weight) + rng.gumbel(size=len(weight))
    chosen = np.sort(np.argsort(-keys)[:k]) if k else np.array([], dtype=np.int64)
    last = chosen[np.argmin(keys[chosen])] if k else -1
    share = weight[chosen] / weight[chosen].sum() if k else weight[:0]
    base = size * share * rng.lognormal(0.0, 1.0, k)
    walk = np.cumsum(rng.normal(0.01, 0.05, (k, n_years)), axis=1)
    emp = np.maximum(1.0, np.round(base[:, None] * np.exp(walk - walk[:, :1])))
    est = np.maximum(1.0, np.round(emp / est_size[chosen][:, None] * rng.lognormal(0.0, 0.3, (k, n_years))))
    wages = np.round(emp * wage[chosen][:, None] * rng.lognormal(0.0, 0.15, (k, n_years)) / 1000.0)
    keep = np.ones((k, n_years), dtype=bool)
    if k:  # the weakest class enters late, so that the region has exactly `cells` cells
        keep[np.flatnonzero(chosen == last)[0], : k * n_years - cells] = False
    ii, yy = np.nonzero(keep)
    return pd.DataFrame({"region": code, "industry_index": chosen[ii], "year": years[yy],
                         "employment": emp[ii, yy], "establishments": est[ii, yy],
                         "wages": wages[ii, yy]})


def _suppress(frame: pd.DataFrame, class_codes: np.ndarray, division: np.ndarray) -> pd.DataFrame:
    """Primary (few establishments) and secondary (lone withheld class of a division)
    suppression; withheld cells lose their values and get flag ``c``."""
    primary = frame["establishments"].to_numpy() < MIN_ESTABLISHMENTS
    div = division[frame["industry_index"].to_numpy()]
    key = pd.DataFrame({"region": frame["region"], "year": frame["year"], "division": div,
                        "primary": primary, "employment": frame["employment"]})
    groups = key.groupby(["region", "year", "division"], sort=False)
    lone = groups["primary"].transform("sum").to_numpy() == 1
    candidate = key["employment"].where(lone & ~primary)
    smallest = candidate.groupby([key["region"], key["year"], key["division"]], sort=False).transform("min")
    secondary = lone & ~primary & (candidate == smallest).to_numpy()
    # one secondary cell per division (ties: the first)
    secondary &= ~pd.Series(secondary).groupby([key["region"], key["year"], key["division"]],
                                               sort=False).cumsum().gt(1).to_numpy()
    withheld = primary | secondary
    out = pd.DataFrame({"region": frame["region"], "industry": class_codes[frame["industry_index"].to_numpy()],
                        "year": frame["year"].astype("int32")})
    for col in ("employment", "establishments", "wages"):
        out[col] = frame[col].where(~withheld)
    out["flag"] = pd.Series(withheld).map({True: "c", False: None})
    return out.sort_values(["region", "industry", "year"], ignore_index=True)[COLUMNS]
