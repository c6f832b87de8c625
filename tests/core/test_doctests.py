"""The examples in the pure core's docstrings run as tests (hand-computed values that cite
the methodology: a wrong example is a failing test, not stale documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import clusterobs.core

MODULES = sorted(m.name for m in pkgutil.iter_modules(clusterobs.core.__path__, "clusterobs.core."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_examples_are_there() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert attempted >= 50
