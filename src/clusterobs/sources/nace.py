"""Readers for the industry classifications NACE Rev.2 and NAICS 2017.

Methodology §1 (industry) and §2b (the NAICS 2017 -> NACE Rev.2 concordance). Files are the
ones described in ``shared/data/PROVENANCE.md`` section 7 (``nace/``).

Classification tables share one shape: ``classification`` ('NACE_R2' or 'NAICS2017'),
``code``, ``level``, ``parent``, ``section`` and ``title``. NACE codes are given in the form
Eurostat datasets use: ``C`` (section), ``C20`` (division), ``C201`` (group), ``C2011``
(class); NAICS codes are plain digits (``31-33`` for the three sectors given as ranges).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from clusterobs.errors import DataError, SchemaError
from clusterobs.sources.eurostat import open_text

NACE = "NACE_R2"
NAICS = "NAICS2017"
COLUMNS = ["classification", "code", "level", "parent", "section", "title"]

#: NACE Rev.2 sections and the first and last division of each (fixed by the regulation).
SECTION_DIVISIONS: Mapping[str, tuple[int, int]] = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (69, 75), "N": (77, 82), "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93),
    "S": (94, 96), "T": (97, 98), "U": (99, 99),
}  # fmt: skip

_DOTTED = re.compile(r"^(\d{2})(?:\.(\d{1,2}))?$")
_EUROSTAT = re.compile(r"^([A-U])(\d{2,4})?$")
_NACE_DOTTED = r"[A-U]|\d{2}(\.\d{1,2})?"


def section_of_division(division: str | int) -> str:
    """Return the NACE Rev.2 section letter of a two-digit division, e.g. ``20 -> 'C'``."""
    number = int(division)
    for letter, (first, last) in SECTION_DIVISIONS.items():
        if first <= number <= last:
            return letter
    raise ValueError(f"{division!r} is not a NACE Rev.2 division (01-99)")


def nace_code_to_eurostat(code: str) -> str:
    """Convert a NACE code in the dotted form to Eurostat's form (methodology §1).

    Examples
    --------
    >>> nace_code_to_eurostat("20.11"), nace_code_to_eurostat("20.1"), nace_code_to_eurostat("20")
    ('C2011', 'C201', 'C20')
    >>> nace_code_to_eurostat("C")
    'C'
    """
    code = code.strip()
    if code in SECTION_DIVISIONS:
        return code
    match = _DOTTED.match(code)
    if match is None:
        raise ValueError(f"{code!r} is not a NACE Rev.2 code such as 'C', '20', '20.1' or '20.11'")
    division, rest = match.group(1), match.group(2) or ""
    return f"{section_of_division(division)}{division}{rest}"


def eurostat_to_nace_code(code: str) -> str:
    """Convert a Eurostat NACE code to the dotted form: ``'C2011' -> '20.11'``.

    Examples
    --------
    >>> eurostat_to_nace_code("C2011"), eurostat_to_nace_code("G461"), eurostat_to_nace_code("J62")
    ('20.11', '46.1', '62')
    """
    match = _EUROSTAT.match(code.strip())
    if match is None:
        raise ValueError(
            f"{code!r} is not a Eurostat NACE code such as 'C', 'C20', 'C201', 'C2011'"
        )
    letter, digits = match.group(1), match.group(2)
    if digits is None:
        return letter
    if section_of_division(digits[:2]) != letter:
        raise ValueError(f"{code!r}: division {digits[:2]} is not in section {letter}")
    return digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"


def eurostat_aggregate_members(code: str, divisions: Sequence[str] | None = None) -> list[str]:
    """Expand a Eurostat NACE aggregate into its sections or divisions.

    Handles ranges of sections (``B-E``), of divisions (``C10-C12``) and exclusions
    (``B-N_X_K`` = sections B to N except K). A plain code is returned as itself. With
    *divisions* (Eurostat form) a section range is expanded to divisions instead.

    Examples
    --------
    >>> eurostat_aggregate_members("B-N_X_K")
    ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'L', 'M', 'N']
    >>> eurostat_aggregate_members("C10-C12")
    ['C10', 'C11', 'C12']
    """
    body, *excluded = code.strip().split("_X_")
    if "-" not in body:
        members = [body]
    elif re.fullmatch(r"[A-U]-[A-U]", body):
        letters = list(SECTION_DIVISIONS)
        members = letters[letters.index(body[0]) : letters.index(body[2]) + 1]
    elif match := re.fullmatch(r"([A-U])(\d{2})-([A-U])(\d{2})", body):
        first, last = int(match.group(2)), int(match.group(4))
        members = [nace_code_to_eurostat(f"{n:02d}") for n in range(first, last + 1)]
        members = [m for m in members if divisions is None or m in divisions]
    else:
        raise ValueError(
            f"{code!r} is not a Eurostat NACE aggregate such as 'B-N_X_K' or 'C10-C12'"
        )
    members = [m for m in members if m not in excluded]
    if divisions is not None and all(len(m) == 1 for m in members):
        members = [d for d in divisions if d[0] in members and len(d) == 3]
    return members


def read_csv_checked(path: Path, required: Sequence[str], dtype: object = str) -> pd.DataFrame:
    """Read a CSV file and check that it has the *required* columns.

    Raises :class:`~clusterobs.errors.DataError` when the file is missing or unreadable and
    :class:`~clusterobs.errors.SchemaError` naming the missing columns (line 1 = header).
    """
    try:
        frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""],  # type: ignore[call-overload]
                            encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise DataError("file not found", path=str(path)) from exc
    except UnicodeDecodeError:
        open_text(path)  # names the line of the first byte that is not UTF-8
        raise DataError("text is not UTF-8", path=str(path)) from None
    except (ValueError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        found = re.search(r"line (\d+)", message)
        raise DataError(f"cannot read as CSV: {message}", path=str(path),
                        line=int(found.group(1)) if found else None) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"missing columns {missing}; expected at least {list(required)}, found {list(frame.columns)}",
            path=str(path),
            line=1,
        )
    if frame.empty:
        raise DataError("the file has a header but no rows: expected the classification "
                        "(a header-only file would empty the industries table)", path=str(path), line=2)
    return frame


def check_pattern(frame: pd.DataFrame, column: str, pattern: str, path: Path, what: str) -> None:
    """Raise :class:`DataError` at the first row whose *column* does not match *pattern*."""
    values = frame[column].fillna("").astype(str)
    bad = ~values.str.fullmatch(pattern)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(
            f"column {column!r}: {values.iloc[row]!r} is not {what}", path=str(path), line=row + 2
        )


def read_nace_structure(path: Path) -> pd.DataFrame:
    """Read ``nace/nace_rev2_structure.csv`` into a classification table (methodology §1).

    Returns one row per section, division, group and class: ``level`` 1-4, ``code`` and
    ``parent`` in Eurostat form (``C``, ``C20``, ``C201``, ``C2011``; parent None for sections).
    """
    raw = read_csv_checked(path, ["level", "code", "parent", "section", "eurostat_code", "title"])
    # content checks, so that swapped columns are refused: codes look like codes, titles like text
    check_pattern(raw, "level", r"[1-4]", path, "a NACE level 1-4")
    check_pattern(raw, "code", _NACE_DOTTED, path, "a NACE code like C, 20, 20.1 or 20.11")
    check_pattern(raw, "parent", f"|{_NACE_DOTTED}", path, "a NACE code like C, 20 or 20.1 (or empty)")
    check_pattern(raw, "section", r"[A-U]", path, "a NACE section letter A-U")
    check_pattern(raw, "eurostat_code", r"[A-U](\d{2,4})?", path, "a Eurostat NACE code like C2011")
    check_pattern(raw, "title", r".*[^\W\d_]{3}.*", path, "a title (no word in it)")
    expected_code = [_eurostat_form(c) for c in raw["code"]]
    wrong = (raw["eurostat_code"] != pd.Series(expected_code, index=raw.index)) | (
        raw["section"] != raw["eurostat_code"].str[0])
    if wrong.any():
        row = int(wrong.to_numpy().argmax())
        raise DataError(
            f"column 'eurostat_code': {raw['eurostat_code'].iloc[row]!r} is not the code "
            f"{raw['code'].iloc[row]!r} of section {raw['section'].iloc[row]!r} "
            f"(expected {expected_code[row]!r})",
            path=str(path),
            line=row + 2,
        )
    level = raw["level"].astype(int)
    digits = raw["eurostat_code"].str.len() - 1
    expected = level.map({1: 0, 2: 2, 3: 3, 4: 4})
    if (digits != expected).any():
        row = int((digits != expected).to_numpy().argmax())
        raise DataError(
            f"code {raw['eurostat_code'].iloc[row]!r} does not have the form of level {level.iloc[row]}",
            path=str(path),
            line=row + 2,
        )
    by_dotted = dict(zip(raw["code"], raw["eurostat_code"], strict=True))
    parent = pd.Series(
        [None if pd.isna(p) else by_dotted.get(p, p) for p in raw["parent"]], dtype=object
    )
    table = pd.DataFrame(
        {
            "classification": NACE,
            "code": raw["eurostat_code"],
            "level": level,
            "parent": parent,
            "section": raw["section"],
            "title": raw["title"],
        }
    )
    return table.reset_index(drop=True)


def _eurostat_form(code: str) -> str | None:
    try:
        return nace_code_to_eurostat(code)
    except ValueError:
        return None


def read_nace_isic(path: Path) -> pd.DataFrame:
    """``eurostat_code, parent_code, isic_rev4`` of every NACE Rev.2 code (ISIC Rev.4 link)."""
    raw = read_csv_checked(path, ["code", "parent", "eurostat_code", "isic_rev4"])
    by_dotted = dict(zip(raw["code"], raw["eurostat_code"], strict=True))
    parent = [None if pd.isna(p) or p == "" else by_dotted.get(p, p) for p in raw["parent"]]
    isic = raw["isic_rev4"].replace("", None)
    return pd.DataFrame({"eurostat_code": raw["eurostat_code"], "parent_code": parent,
                         "isic_rev4": isic})


def _naics_sector(code: str, sectors: Sequence[str]) -> str:
    """The two-digit sector (possibly a range such as ``31-33``) holding a NAICS code."""
    head = int(code[:2])
    for sector in sectors:
        first, _, last = sector.partition("-")
        if int(first) <= head <= int(last or first):
            return sector
    raise ValueError(f"no NAICS sector for {code!r}")


def read_naics(path: Path) -> pd.DataFrame:
    """Read ``nace/naics2017.csv`` into a classification table (levels 2-6, methodology §1)."""
    raw = read_csv_checked(path, ["NAICS 2017", "2017 NAICS US Title"])
    raw = raw.rename(columns={"NAICS 2017": "code", "2017 NAICS US Title": "title"})
    raw["code"] = raw["code"].str.strip()
    check_pattern(raw, "code", r"\d{2}(-\d{2})?|\d{3,6}", path, "a NAICS code of 2-6 digits")
    sectors = [c for c in raw["code"] if len(c) == 2 or "-" in c]
    level = raw["code"].map(lambda c: 2 if "-" in c else len(c))
    section = raw["code"].map(lambda c: c if "-" in c else _naics_sector(c, sectors))

    def parent(code: str) -> str | None:
        if "-" in code or len(code) == 2:
            return None
        return _naics_sector(code, sectors) if len(code) == 3 else code[:-1]

    table = pd.DataFrame(
        {
            "classification": NAICS,
            "code": raw["code"],
            "level": level.astype(int),
            "parent": pd.Series([parent(c) for c in raw["code"]], dtype=object),
            "section": section,
            "title": raw["title"].str.strip(),
        }
    )
    return table.reset_index(drop=True)


def read_naics_nace_concordance(path: Path) -> pd.DataFrame:
    """Read ``nace/naics2017_to_nace_rev2.csv``, the class-level concordance of §2b.

    Returns columns ``naics`` (digits; ``00`` stands for "all of NAICS" in two links to
    NACE 98.10/98.20), ``nace`` (Eurostat form; one link goes to group ``A012``),
    ``nace_title``, ``naics_title``, ``notes`` (empty string when absent) and ``line``
    (1-based line in the file, for error messages downstream).
    """
    raw = read_csv_checked(path, ["naics2017", "nace_rev2", "nace_rev2_title", "notes"])
    check_pattern(raw, "naics2017", r"\d{2}|\d{6}", path, "a NAICS code of 6 digits (or 00)")
    check_pattern(raw, "nace_rev2", r"\d{2}\.\d{1,2}", path, "a NACE class such as 20.11")
    table = pd.DataFrame(
        {
            "naics": raw["naics2017"],
            "nace": raw["nace_rev2"].map(nace_code_to_eurostat),
            "nace_title": raw["nace_rev2_title"],
            "naics_title": raw.get("naics2017_title", pd.Series("", index=raw.index)),
            "notes": raw["notes"].fillna("").astype(str),
            "line": raw.index + 2,
        }
    )
    return table.reset_index(drop=True)
