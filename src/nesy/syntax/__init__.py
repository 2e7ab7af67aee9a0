"""Program text to AST: the ProbLog/DeepProbLog grammar (`problog.lark`) and its parser.

May import: the kernel (`terms`, `errors`) only.
"""

from nesy.syntax.parser import parse

__all__ = ["parse"]
