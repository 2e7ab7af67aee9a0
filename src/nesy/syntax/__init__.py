"""Program text to AST: the ProbLog/DeepProbLog grammar (`problog.lark`) and its parser."""

from nesy.syntax.parser import parse

__all__ = ["parse"]
