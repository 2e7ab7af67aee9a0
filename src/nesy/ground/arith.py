"""Pending re-export: arithmetic moved to the kernel, `nesy.arith`; import it from there.

Kept only while `neural/module.py` (being edited elsewhere) still imports `nesy.ground.arith`.
"""

from nesy.arith import COMPARISONS, LinearExpr, NotLinear, evaluate

__all__ = ["COMPARISONS", "LinearExpr", "NotLinear", "evaluate"]
