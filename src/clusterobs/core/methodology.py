"""The frozen, versioned Methodology: every threshold and methodological choice of a build.

A :class:`Methodology` is stored with every build and edition and printed in reports, so
that each number can be traced to the choices that made it. Labels follow
``docs/methodology``: *published* (the source states it), *our default* (a design choice
where the published method is unknown).

>>> m = Methodology()
>>> m.specialisation_lq, m.size_share
(2.0, 0.1)
>>> Methodology(size_share=1.5)
Traceback (most recent call last):
...
clusterobs.errors.MethodError: size_share must be in (0, 1): got 1.5
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from clusterobs.errors import MethodError

METHODS = ("eco-classic", "panorama", "uscmp-strong")


@dataclass(frozen=True)
class Methodology:
    """Every parameter of the cluster engine (methodology §3-§5).

    Attributes
    ----------
    version:
        Version of this parameter set; bump it whenever a default changes.
    lq_base:
        Denominator of the location quotient: ``total`` (ECO, published ECO49) or
        ``traded`` (US Cluster Mapping, published CMP; local categories use local employment).
    reference_area:
        Regions forming the reference E(c) and E: ``all`` regions of the run (our default).
    size_share, focus_share, productivity_share, dynamism_share:
        Top share of a category's regional clusters that meets a criterion: the ECO
        "top 10%" (published ECO49 for size and focus; our default for the others).
    specialisation_lq:
        LQ threshold of the specialisation criterion (criterion published ECO49, value 2
        our default).
    population:
        ``non_missing`` (regions with a value, zeros included: our default, ECO44) or ``positive``.
    panorama_dynamism:
        Add the dynamism criterion (5-year employment CAGR top share) to the panorama method.
    panorama_levels:
        Level hypothesis of §4b: ``H2`` specialisation required; basic = only it,
        medium = +1 of size/productivity, high = all (our default).
    uscmp_quantiles:
        The quantiles of the published US strong-cluster rule (CMP): strong LQ, strong10 LQ,
        significant LQ, qualifying LQ and the E/N floor.
    confidence_draws:
        Number of perturbations behind each rating's confidence.
    confidence_share_jitter:
        Half-width of the uniform perturbation of the top shares (0.02 = +/-2 points).
    confidence_lq_range:
        Range of the perturbed LQ threshold.
    confidence_noise, confidence_noise_flagged:
        Half-width of the uniform relative perturbation of employment, for plain cells and
        for estimated, imputed or NUTS-converted cells.
    impute_missing:
        Fill confidential cells (§5.2).
    estimation:
        How: ``constrained`` (our default, §5.2b: priors from the cell's other years, its local
        units and wages, balanced to the industry and NUTS trees within feasible ranges) or
        ``equal`` (the published ECO splitting rule, ECO48).
    nuts_version, nuts_weight:
        Target NUTS version of the analysis and the crosswalk weight (§5.3, our default).
    seed:
        Random seed of the confidence draws: builds are reproducible.
    """

    version: str = "1.0"
    lq_base: str = "total"
    reference_area: str = "all"
    size_share: float = 0.10
    focus_share: float = 0.10
    productivity_share: float = 0.10
    dynamism_share: float = 0.10
    specialisation_lq: float = 2.0
    population: str = "non_missing"
    panorama_dynamism: bool = False
    panorama_levels: str = "H2"
    uscmp_quantiles: tuple[float, float, float, float, float] = (0.75, 0.90, 0.50, 0.25, 0.25)
    confidence_draws: int = 100
    confidence_share_jitter: float = 0.02
    confidence_lq_range: tuple[float, float] = (1.8, 2.2)
    confidence_noise: float = 0.05
    confidence_noise_flagged: float = 0.15
    impute_missing: bool = True
    estimation: str = "constrained"
    nuts_version: int = 2016
    nuts_weight: str = "pop21"
    seed: int = 20160101
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("size_share", "focus_share", "productivity_share", "dynamism_share"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise MethodError(f"{name} must be in (0, 1): got {value}")
        _choice("lq_base", self.lq_base, ("total", "traded"))
        _choice("reference_area", self.reference_area, ("all",))
        _choice("population", self.population, ("non_missing", "positive"))
        _choice("panorama_levels", self.panorama_levels, ("H1", "H2", "H3"))
        _choice("estimation", self.estimation, ("constrained", "equal"))
        _choice("nuts_weight", self.nuts_weight, ("pop21", "areaKm", "pop11", "artif_surf18", "bu_vol"))
        if not self.specialisation_lq > 0:
            raise MethodError(f"specialisation_lq must be > 0: got {self.specialisation_lq}")
        if any(not 0 < q < 1 for q in self.uscmp_quantiles):
            raise MethodError(f"uscmp_quantiles must lie in (0, 1): got {self.uscmp_quantiles}")
        low, high = self.confidence_lq_range
        if not 0 < low <= self.specialisation_lq <= high:
            raise MethodError(
                f"confidence_lq_range {self.confidence_lq_range} must contain specialisation_lq "
                f"{self.specialisation_lq} and be positive"
            )
        if self.confidence_draws < 1:
            raise MethodError(f"confidence_draws must be >= 1: got {self.confidence_draws}")
        for name in ("confidence_share_jitter", "confidence_noise", "confidence_noise_flagged"):
            value = getattr(self, name)
            if not 0 <= value < 0.5:
                raise MethodError(f"{name} must be in [0, 0.5): got {value}")
        if self.confidence_share_jitter >= min(self.size_share, self.focus_share, self.productivity_share):
            raise MethodError("confidence_share_jitter must be smaller than every top share")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Methodology:
        """Rebuild from :meth:`to_dict`; unknown keys are an error, not silently dropped."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise MethodError(f"unknown Methodology fields: {', '.join(unknown)}")
        cooked: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**cooked)

    def with_(self, **changes: Any) -> Methodology:
        """A copy with some parameters changed (validated again)."""
        return replace(self, **changes)

    @property
    def fingerprint(self) -> str:
        """Short hash of all parameters: two builds with the same fingerprint used the same method."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MethodError(f"{name} must be one of {', '.join(allowed)}: got {value!r}")
