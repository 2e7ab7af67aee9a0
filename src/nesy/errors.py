"""One error root, one subclass per pipeline stage; every user-facing error can carry a span."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """The text of a program and the name it is reported under."""

    text: str
    name: str = "<string>"


@dataclass(frozen=True)
class Span:
    """A position in a source: 1-based line and column, plus the end offset when known."""

    source: Source
    line: int
    column: int
    start: int = 0
    end: int = 0

    def location(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

    def excerpt(self) -> str:
        """The source line with a caret under the column."""
        lines = self.source.text.splitlines() or [""]
        if not 1 <= self.line <= len(lines):
            return ""
        text = lines[self.line - 1].expandtabs(1)
        if len(text) > 160:
            lo = max(0, self.column - 80)
            text = text[lo : lo + 160]
            col = self.column - lo
        else:
            col = self.column
        return f"    {text}\n    {' ' * max(0, col - 1)}^"


class NesyError(Exception):
    """Root of every error nesy reports to a user."""

    stage = "error"

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        self.message = message
        self.span = span
        self.hint = hint
        super().__init__(self.render())

    def locate(self, span: Span | None) -> NesyError:
        """Give the error `span` (where an enclosing construct is) unless it has one already."""
        if self.span is None and span is not None:
            self.span = span
            self.args = (self.render(),)
        return self

    def render(self) -> str:
        head = f"{self.span.location()}: " if self.span else ""
        text = f"{head}{self.stage}: {self.message}"
        if self.span:
            excerpt = self.span.excerpt()
            if excerpt:
                text += "\n" + excerpt
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ParseError(NesyError):
    stage = "syntax error"


class CheckError(NesyError):
    """A program that parses but breaks a rule of the language (safety, probabilities, ...)."""

    stage = "check error"


class MultipleErrors(NesyError):
    """Several errors found by one check; each is kept in `errors`."""

    stage = "errors"

    def __init__(self, errors: list[NesyError]):
        self.errors = list(errors)
        NesyError.__init__(self, f"{len(self.errors)} errors")

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class GroundingError(NesyError):
    stage = "grounding error"


class EvaluationError(NesyError):
    """Arithmetic type errors, division by zero, instantiation errors while grounding."""

    stage = "evaluation error"


class CompileError(NesyError):
    stage = "compile error"


class InferenceError(NesyError):
    """A semantics that cannot honour the request, inconsistent evidence, ..."""

    stage = "inference error"


class LimitError(NesyError):
    """A configurable resource limit was exceeded; the message names the limit."""

    stage = "limit exceeded"

    def __init__(self, what: str, limit_name: str, value: object, span: Span | None = None):
        self.limit_name = limit_name
        self.flag = "--" + limit_name.replace("_", "-")
        super().__init__(
            f"{what} (limit {limit_name}={value})",
            span,
            hint=f"raise it with Limits({limit_name}=...) in Python or {self.flag} on the "
            "command line",
        )


class NeuralError(NesyError):
    stage = "neural error"


class TrainingError(NesyError):
    stage = "training error"


def raise_all(errors: list[NesyError]) -> None:
    """Raise the single error, or all of them together; do nothing for none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors)
