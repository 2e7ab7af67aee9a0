"""The test suite runs every plan with its validators on: each IR (ground program, simplified
program, circuit) is checked at its stage boundary (`Limits.validate`, off by default since it
costs a pass over each). Set here, before any test module builds a `Limits()`."""

from __future__ import annotations

import dataclasses

from nesy.limits import Limits


def _validate_by_default() -> None:
    names = [f.name for f in dataclasses.fields(Limits)]
    defaults = list(Limits.__init__.__defaults__)
    defaults[names.index("validate") - (len(names) - len(defaults))] = True
    Limits.__init__.__defaults__ = tuple(defaults)


_validate_by_default()
