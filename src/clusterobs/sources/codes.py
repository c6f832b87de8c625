"""Industry codes of any table in the observatory's forms (methodology §1).

A source declares the classification its codes are written in (``industry_codes``):

- ``nace-r2``: NACE Rev.2 at any level and in any usual form: ``C``, ``C29``, ``29``,
  ``C29.1``, ``29.1``, ``C2910``, ``29.10`` -> Eurostat form (``C``, ``C29``, ``C291``, ``C2910``);
- ``sic-2007``: UK SIC 2007, which equals NACE Rev.2 to the 4-digit class; the 5-digit
  subclasses are read as their class (``29100`` -> ``C2910``) and summed by the reader;
- ``isic-4``: ISIC Rev.4, carried to NACE Rev.2 through the ``isic_rev4`` column of the NACE
  structure file (one NACE code per ISIC code; where an ISIC code is split over several NACE
  codes, their lowest common NACE parent);
- ``naics-2017``: NAICS 2017 digits, checked against the NAICS table;
- ``own``: any code; the user's scheme file says what it means.

A code that cannot be read is an error naming the file, the line and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clusterobs.errors import DataError
from clusterobs.sources.nace import SECTION_DIVISIONS, section_of_division

_NACE = re.compile(r"^([A-U])?\s*(\d{2})?(?:\.?(\d{1,2}))?$")


@dataclass
class Normaliser:
    """Turns codes of one classification into the store's form.

    Parameters
    ----------
    classification:
        ``nace-r2``, ``sic-2007``, ``isic-4``, ``naics-2017`` or ``own``.
    nace:
        The NACE Rev.2 codes (Eurostat form) that exist.
    naics:
        The NAICS 2017 codes that exist.
    isic:
        ISIC Rev.4 code -> NACE Rev.2 code (Eurostat form).
    extra:
        Codes that the source declares itself (e.g. a total row), kept as they are.
    """

    classification: str
    nace: frozenset[str] = frozenset()
    naics: frozenset[str] = frozenset()
    isic: dict[str, str] = field(default_factory=dict)
    extra: frozenset[str] = frozenset()

    def normalise(self, code: str) -> str | None:
        """The code in the store's form, or None when it is not a code of the classification."""
        code = code.strip()
        if not code:
            return None
        if code in self.extra:
            return code
        kind = self.classification
        if kind == "own":
            return code
        if kind == "naics-2017":
            return code if code in self.naics else None
        if kind == "isic-4":
            key = code.replace(".", "").upper()
            return self.isic.get(key)
        if kind == "sic-2007" and code.isdigit() and len(code) == 5:
            code = code[:4]
        return self._nace(code)

    def _nace(self, code: str) -> str | None:
        match = _NACE.match(code.upper().replace(" ", ""))
        if match is None:
            return None
        letter, division, rest = match.group(1), match.group(2), match.group(3) or ""
        if division is None:
            return letter if letter in SECTION_DIVISIONS and not rest else None
        if len(division + rest) not in (2, 3, 4):
            return None
        try:
            section = section_of_division(division)
        except ValueError:
            return None
        if letter is not None and letter != section:
            return None
        out = f"{section}{division}{rest}"
        return out if not self.nace or out in self.nace else None

    def normalise_many(self, codes: pd.Series, path: Path, column: str,
                       extra_codes: dict[str, dict[str, str]] | None = None) -> pd.Series:
        """Normalise a column; empty cells stay empty (rows filtered out by the caller)."""
        mapped_extra = {k: v["code"] for k, v in (extra_codes or {}).items()}
        uniques = pd.unique(codes)
        table = {}
        for raw in uniques:
            if raw == "":
                table[raw] = ""
                continue
            out = mapped_extra.get(raw) or self.normalise(str(raw))
            if out is None:
                i = int(np.flatnonzero((codes == raw).to_numpy())[0])
                raise DataError(f"field {column}: {raw!r} is not a {self.classification} industry code",
                                path=str(path), line=i + 2)
            table[raw] = out
        return codes.map(table)


def isic_to_nace(structure: pd.DataFrame) -> dict[str, str]:
    """ISIC Rev.4 code -> NACE Rev.2 code from the NACE structure's ``isic_rev4`` column.

    *structure* has columns ``eurostat_code``, ``parent_code`` (Eurostat form) and
    ``isic_rev4``. An ISIC code that several NACE codes share goes to their lowest common
    parent, so no employment is counted in a NACE code it may not belong to.
    """
    parents = dict(zip(structure["eurostat_code"], structure["parent_code"], strict=True))

    def chain(code: str) -> list[str]:
        out = [code]
        while parents.get(out[-1]):
            out.append(str(parents[out[-1]]))
        return out

    result: dict[str, str] = {}
    for isic, group in structure.dropna(subset=["isic_rev4"]).groupby("isic_rev4"):
        codes = list(group["eurostat_code"])
        common = chain(codes[0])
        for other in codes[1:]:
            ancestors = set(chain(other))
            common = [c for c in common if c in ancestors]
        if common:
            result[str(isic).replace(".", "").upper()] = common[0]
    return result
