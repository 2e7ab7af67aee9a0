"""The ProbLog / DeepProbLog parser: program text in, `ProgramAST` out.

`parse(text, name)` is the only public function.  The grammar is the checked-in lark file
`problog.lark` (the language reference); it is run by lark's LALR(1) parser with the
contextual lexer, and `_Builder` (a lark `Transformer`, applied inline while parsing) turns
each reduction straight into `nesy.terms` values, so no parse tree is ever built.

Conventions of the produced terms:

* operators become ordinary compound terms named after the operator: `X is Y+1` is
  `Term("is", (X, Term("+", (Y, 1))))`; a body `a, b, c` is `','(a, ','(b, c))`;
* `-3` (a '-' directly followed by a number, where a term may start) is the int -3, while
  `- 3`, `-(3)` and `- (3)` are `Term("-", (3,))`; `X-3` is `Term("-", (X, 3))`;
* `"abc"` is `Str("abc")`; `'abc'` is the atom `Term("abc")`; `[a|T]` is `'.'(a, T)`;
* variables are shared by name within one clause (fresh `Var`s for every clause); every `_`
  is a distinct variable;
* every `Term` carries `span` (line/column of its first character, start/end offsets).

Errors: syntax errors raise `ParseError` with the location of the offending token; when a
program has several, the parser resynchronises at the next clause end and raises
`MultipleErrors`.  Nothing but a `NesyError` ever leaves `parse`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from bisect import bisect_left, bisect_right
from pathlib import Path

import lark as lark_package
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from nesy.errors import NesyError, ParseError, Source, Span, raise_all
from nesy.syntax.ast import Clause, Directive, NeuralClause, ProbClause, ProgramAST
from nesy.terms import Str, Term, Var, cons, format_term, list_items

__all__ = ["parse", "GRAMMAR_PATH", "MAX_DEPTH"]

GRAMMAR_PATH = Path(__file__).with_name("problog.lark")

#: Deepest nesting of compound terms accepted (list tails and the right-hand side of
#: ','/';' chains do not count, so long lists and long bodies are fine).
MAX_DEPTH = 500
#: After this many errors the parser stops looking for more.
MAX_ERRORS = 50

# Functors whose operand positions are remembered, to point errors at non-term operands.
_STRUCTURAL = frozenset({":-", "<-", "::", ";", ",", "->", "\\+", "not", "nn"})
# Control constructs that a clause head can't be (and that a body check descends into).
_CONTROL2 = frozenset({",", ";", "->", "*->"})
_CONTROL1 = frozenset({"\\+", "not"})
# Heads that can't be defined: `\+a` (and the prefix form `not a`, but not the term `not(a)`,
# as ProbLog reads them) is a negative head literal, desugared in front/.
_NOT_DEFINABLE1 = frozenset({"\\+"})


def parse(text: str, name: str = "<string>") -> ProgramAST:
    """Parse a ProbLog/DeepProbLog program.

    Returns a `ProgramAST` whose items are `Clause`, `ProbClause`, `NeuralClause` and
    `Directive` nodes in source order.  Raises `ParseError` (one error) or `MultipleErrors`
    (several); no other exception escapes.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ParseError(f"expected the program text as a string, got {type(text).__name__}")
    source = Source(text, str(name))
    try:
        return _parse(source)
    except NesyError:
        raise
    except RecursionError:
        raise ParseError("the program is nested too deeply to parse", None) from None
    except Exception as exc:  # a bug in the parser; still report it as a nesy error
        raise ParseError(f"internal parser error: {type(exc).__name__}: {exc}") from exc


# ----------------------------------------------------------------------------- driver --

_local = threading.local()


def _machine() -> tuple[Lark, _Builder]:
    """The lark parser and its inline transformer, one pair per thread (they hold state)."""
    machine = getattr(_local, "machine", None)
    if machine is None:
        builder = _Builder()
        grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
        lark = Lark(
            grammar,
            parser="lalr",
            lexer="contextual",
            start="program",
            transformer=builder,
            maybe_placeholders=False,
            # the grammar analysis, cached: ~0.01 s to load instead of ~0.4 s to build
            cache=_cache_file(grammar),
        )
        machine = _local.machine = (lark, builder)
    return machine


def _cache_file(grammar: str) -> str | bool:
    """Where lark caches the analysed grammar: the user's own cache directory, since the cache
    is a pickle that lark loads (in the shared temporary directory, lark's default, another
    user could plant one); no cache where that directory cannot be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "nesy"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    key = f"{grammar}\0lark {lark_package.__version__}\0python {sys.version_info[:2]}"
    return str(folder / f"problog-grammar-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lark")


def _parse(source: Source) -> ProgramAST:
    text = _prepare(source.text)
    line_starts = _line_starts(source.text)
    lark, builder = _machine()

    # Fast path: the whole program in one go.
    builder.begin(source, 0, line_starts)
    try:
        lark.parse(text)
    except (UnexpectedInput, ParseError):
        pass
    else:
        raise_all(builder.errors)
        return ProgramAST(source, builder.items)

    # Slow path: the program has a syntax error.  Parse it clause by clause to find them all.
    raise_all(_collect_errors(source, text, line_starts, lark, builder))
    raise ParseError("syntax error", None)  # unreachable: the collector always finds one


def _collect_errors(source, text, line_starts, lark, builder) -> list[NesyError]:
    ends, lexical = _scan(text)
    errors: list[NesyError] = []
    bad = []
    for pos, message in lexical:
        builder.begin(source, 0, line_starts)
        errors.append(ParseError(message, builder.span(pos, pos + 1)))
        bad.append(pos)
    n = len(text)
    pos = 0
    while pos < n and len(errors) <= MAX_ERRORS:
        i = bisect_right(ends, pos)
        end = ends[i] if i < len(ends) else n
        j = bisect_left(bad, pos)
        if j < len(bad) and bad[j] < end:
            pos = end  # the lexical error of this stretch is already reported
            continue
        chunk = text[pos:end]
        builder.begin(source, pos, line_starts)
        resume = None
        try:
            lark.parse(chunk)
            errors.extend(builder.errors)
        except UnexpectedInput as exc:
            error, resume = builder.describe(exc, chunk)
            errors.extend(builder.errors)  # from complete clauses before the bad one
            errors.append(error)
        except ParseError as exc:
            errors.extend(builder.errors)
            errors.append(exc)
        pos = resume if resume is not None and pos < resume < end else end
    if not errors:  # the splitter disagreed with the grammar: report the whole-text error
        builder.begin(source, 0, line_starts)
        try:
            lark.parse(text)
        except UnexpectedInput as exc:
            errors.append(builder.describe(exc, text)[0])
        except ParseError as exc:
            errors.append(exc)
    errors.sort(key=lambda e: e.span.start if e.span else -1)
    if len(errors) > MAX_ERRORS:
        errors = errors[:MAX_ERRORS] + [ParseError(f"too many errors; stopped after {MAX_ERRORS}")]
    return errors


def _prepare(text: str) -> str:
    """Blank out a byte-order mark and a `#!` first line (keeping every offset)."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    if text.startswith("#!"):
        newline = text.find("\n")
        cut = len(text) if newline < 0 else newline
        text = " " * cut + text[cut:]
    return text


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start, with the same line breaks as `str.splitlines`."""
    starts = [0]
    pos = 0
    lines = text.splitlines(keepends=True)
    for line in lines:
        pos += len(line)
        starts.append(pos)
    if lines and lines[-1].splitlines()[0] == lines[-1]:
        starts.pop()  # the last line has no line break: nothing starts after it
    return starts


# A rough tokenizer that only finds clause ends ('.' + layout outside quotes and comments)
# and unterminated quotes/comments.  It mirrors the grammar's terminals.
_SCAN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>%[^\r\n]*|/\*[\s\S]*?\*/)
    | (?P<open_comment>/\*)
    | (?P<quoted>'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]+\\|[0-7]+\\|[\s\S])|'')*'
               |"(?:[^"\\\n]|\\(?:x[0-9a-fA-F]+\\|[0-7]+\\|[\s\S])|"")*")
    | (?P<char_code>0'(?:\\[^\n]|''|[^\\\n]))
    | (?P<open_quote>['"])
    | (?P<word>\w+)
    | (?P<end>\.(?=\s|%|/\*|$))
    | (?P<symbols>(?:[+\-*\\^<>=~:.?@\#&$]|/(?!\*))+)
    | (?P<other>[\s\S])
    """,
    re.VERBOSE,
)


def _scan(text: str) -> tuple[list[int], list[tuple[int, str]]]:
    ends: list[int] = []
    errors: list[tuple[int, str]] = []
    pos, n, match = 0, len(text), _SCAN.match
    while pos < n:
        m = match(text, pos)
        kind = m.lastgroup
        if kind == "end":
            ends.append(m.end())
        elif kind == "open_comment":
            errors.append((pos, "unterminated block comment: '/*' without a closing '*/'"))
            break
        elif kind == "open_quote":
            what = "string" if text[pos] == '"' else "quoted atom"
            errors.append((pos, f"unterminated {what}: no closing {text[pos]} on this line"))
            newline = text.find("\n", pos)
            pos = n if newline < 0 else newline
            continue
        pos = m.end()
    return ends, errors


# ----------------------------------------------------------------- error description --

_TERM_START = frozenset(
    "NUMBER NEG_NUMBER VAR STRING NAME QATOM SYMBOL_ATOM CUT LSQB LPAR FUNCTOR QFUNCTOR "
    "SFUNCTOR BSPLUS NOT BACKSLASH".split()
)
# Operators that only stand between two terms (MINUS, PLUS, NECK can also start one).
_INFIX_ONLY = frozenset(
    "LARROW SEMI ARROW PROB EQ NEQ EQEQ NEQEQ LT GT LE GE AEQ ANE UNIV TLT TGT TLE TGE VEQ NVEQ "
    "IS BAND BOR XOR STAR SLASH INTDIV LSHIFT RSHIFT MOD REM DIV RDIV POW CARET COLON".split()
)
_PUNCTUATION = (("COMMA", "','"), ("BAR", "'|'"), ("RPAR", "')'"), ("RSQB", "']'"), ("END", "'.'"))


def _expected(names) -> str:
    names = set(names)
    parts = []
    if names & _TERM_START:
        parts.append("a term")
    if names & _INFIX_ONLY:
        parts.append("an operator")
    parts.extend(label for name, label in _PUNCTUATION if name in names)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _show(text: str, quoted: bool = False) -> str:
    if len(text) > 40:
        text = text[:37] + "..."
    if not text.isprintable():
        text = ascii(text)[1:-1]
    return text if quoted else f"'{text}'"


# --------------------------------------------------------------------------- builder --


class _Builder(Transformer):
    """Inline transformer: one method per grammar rule or alias (see problog.lark).

    Every method returns a node `(value, start, end, depth)`, offsets relative to the text
    being parsed (`base` is added when a `Span` is made); `clause` turns the clause term into
    an AST item and appends it to `items` (or its problems to `errors`).
    """

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.begin(Source(""), 0, [0])

    def begin(self, source: Source, base: int, line_starts: list[int]) -> None:
        self.source = source
        self.base = base
        self.line_starts = line_starts
        self.items: list = []
        self.errors: list[NesyError] = []
        self.vars: dict[str, Var] = {}
        self.child_pos: dict[int, tuple] = {}
        self.prefix_not: set[int] = set()  # ids of `not a` terms written as a prefix operator

    def span(self, start: int, end: int) -> Span:
        a = self.base + start
        i = bisect_right(self.line_starts, a) - 1
        return Span(self.source, i + 1, a - self.line_starts[i] + 1, a, self.base + end)

    def _error(self, message: str, start: int, end: int) -> ParseError:
        return ParseError(message, self.span(start, end))

    def _check_depth(self, depth: int, start: int, end: int) -> None:
        if depth > MAX_DEPTH:
            raise self._error(f"term nested too deeply (more than {MAX_DEPTH} levels)", start, end)

    # -- program structure ------------------------------------------------------------

    def program(self, children):
        return None

    def clause(self, children):
        node, end = children
        try:
            item = self._item(node, end.end_pos)
            if item is not None:
                self.items.append(item)
        finally:
            self.vars = {}
            self.child_pos = {}
            self.prefix_not = set()
        return None

    # -- operators ----------------------------------------------------------------------

    def infix(self, children):
        left, op, right = children
        functor = op.value
        lv, rv = left[0], right[0]
        start, end = left[1], right[2]
        if functor in (",", ";") and isinstance(rv, Term) and rv.functor == functor:
            depth = max(left[3] + 1, right[3])  # a long body is a chain, not a nesting
        else:
            depth = max(left[3], right[3]) + 1
        self._check_depth(depth, start, end)
        if functor == "**" and len(left) > 4:
            # ProbLog reads -2**2 as -(2**2), as mathematics does (ISO Prolog: (-2)**2).
            inner = Term("**", (-lv, rv), self.span(start + 1, end))
            return (Term("-", (inner,), self.span(start, end)), start, end, depth + 1)
        term = Term(functor, (lv, rv), self.span(start, end))
        if functor in _STRUCTURAL:
            self.child_pos[id(term)] = ((left[1], left[2]), (right[1], right[2]))
        return (term, start, end, depth)

    def prefix(self, children):
        op, arg = children
        start, end, depth = op.start_pos, arg[2], arg[3] + 1
        self._check_depth(depth, start, end)
        term = Term(op.value, (arg[0],), self.span(start, end))
        if op.value in _STRUCTURAL:
            self.child_pos[id(term)] = ((arg[1], arg[2]),)
            if op.value == "not":
                self.prefix_not.add(id(term))
        return (term, start, end, depth)

    # -- primary terms ------------------------------------------------------------------

    def number(self, children):
        tok = children[0]
        if tok.type == "NEG_NUMBER":  # marked, for '**' below
            return (self._number(tok), tok.start_pos, tok.end_pos, 0, "negative literal")
        return (self._number(tok), tok.start_pos, tok.end_pos, 0)

    def var(self, children):
        tok = children[0]
        name = tok.value
        if name == "_":
            var = Var("_")
        else:
            var = self.vars.get(name)
            if var is None:
                var = self.vars[name] = Var(name)
        return (var, tok.start_pos, tok.end_pos, 0)

    def string(self, children):
        tok = children[0]
        return (Str(self._unquote(tok)), tok.start_pos, tok.end_pos, 0)

    def atom(self, children):
        tok = children[0]
        start, end = tok.start_pos, children[-1].end_pos
        if len(children) == 2:
            name = "[]"
        elif tok.type == "QATOM":
            name = self._unquote(tok)
        else:
            name = tok.value
        return (Term(name, (), self.span(start, end)), start, end, 0)

    def compound(self, children):
        tok = children[0]
        name = self._unquote(tok) if tok.type == "QFUNCTOR" else tok.value
        args = children[2:-1:2]
        start, end = tok.start_pos, children[-1].end_pos
        depth = max(a[3] for a in args) + 1
        self._check_depth(depth, start, end)
        values = tuple(a[0] for a in args)
        if name == "\\+" and len(values) > 1:
            # ProbLog reads \+(a, b) as \+ applied to the conjunction (a, b), not as \+/2.
            goal = values[-1]
            for node in reversed(args[:-1]):
                goal = Term(",", (node[0], goal), self.span(node[1], args[-1][2]))
            values = (goal,)
            depth += 1
            self._check_depth(depth, start, end)
        term = Term(name, values, self.span(start, end))
        if name in _STRUCTURAL:
            self.child_pos[id(term)] = tuple((a[1], a[2]) for a in args)
        return (term, start, end, depth)

    def list(self, children):
        close = children[-1]
        inner = children[1:-1]
        end = close.end_pos
        if len(inner) >= 3 and isinstance(inner[-2], Token) and inner[-2].type == "BAR":
            tail, depth = inner[-1][0], inner[-1][3]
            elements = inner[:-2:2]
        else:
            tail, depth = Term("[]", (), self.span(close.start_pos, end)), 0
            elements = inner[::2]
        for node in reversed(elements):
            depth = max(depth, node[3] + 1)  # the tail does not add depth
            tail = cons(node[0], tail)
            tail.span = self.span(node[1], end)
        start = children[0].start_pos
        tail.span = self.span(start, end)
        self._check_depth(depth, start, end)
        return (tail, start, end, depth)

    def head_aggregate(self, children):
        """`avg<X>` as the term '$aggregate'(avg, X); front/desugar_head_aggregates.py reads it."""
        tok, inner, close = children
        name = Term(tok.value[:-1], (), self.span(tok.start_pos, tok.end_pos - 1))
        span = self.span(tok.start_pos, close.end_pos)
        return (Term("$aggregate", (name, inner[0]), span), tok.start_pos, close.end_pos,
                inner[3] + 1)

    def paren(self, children):
        node = children[1]
        return (node[0], children[0].start_pos, children[2].end_pos, node[3])

    # -- token values -------------------------------------------------------------------

    def _number(self, tok: Token):
        text = tok.value
        negative = text.startswith("-")
        body = text[1:] if negative else text
        try:
            if body.startswith("0'"):
                code = body[2:]
                if code == "''":
                    value = 39
                else:
                    decoded = _unescape(code, "'", 0)
                    if len(decoded) != 1:
                        raise _EscapeError(0, f"{_show(body)} is not a single character code")
                    value = ord(decoded)
            elif body[:2] in ("0x", "0o", "0b"):
                value = int(body, 0)
            elif "." in body or "e" in body or "E" in body:
                value = float(body)
            else:
                value = int(body)
        except _EscapeError as exc:
            raise self._error(exc.message, tok.start_pos, tok.end_pos) from None
        except ValueError:
            raise self._error(
                f"number {_show(text)} is too long", tok.start_pos, tok.end_pos
            ) from None
        return -value if negative else value

    def _unquote(self, tok: Token) -> str:
        text = tok.value
        try:
            return _unescape(text[1:-1], text[0], 1)
        except _EscapeError as exc:
            p = tok.start_pos + exc.offset
            raise self._error(exc.message, p, p + 2) from None

    # -- clause interpretation ----------------------------------------------------------

    def _item(self, node, end: int):
        value, start = node[0], node[1]
        clause_span = self.span(start, end)
        if isinstance(value, Term) and value.functor in (":-", "<-"):
            if len(value.args) == 1 and value.functor == ":-":
                if self._check_body(value.args[0], value, 0, "directive"):
                    return Directive(value.args[0], clause_span)
                return None
            head, body = value.args
            body_ok = self._check_body(body, value, 1, "body")
            head_span = self._child_span(value, 0)
            item = self._head(head, body, head_span, clause_span)
            return item if body_ok else None
        return self._head(value, None, self.span(start, node[2]), clause_span)

    def _head(self, head, body, head_span: Span, clause_span: Span):
        if isinstance(head, Term) and head.functor == "::" and len(head.args) == 2:
            prob, atom = head.args
            if isinstance(prob, Term) and prob.functor == "nn":
                return self._neural(head, prob, atom, body, clause_span)
            ok = self._check_prob(prob, head, 0) & self._check_head(atom, self._child_span(head, 1))
            atom = self._negated(atom) or atom
            return ProbClause([(prob, atom)], body, clause_span) if ok else None
        if isinstance(head, Term) and head.functor == ";" and len(head.args) == 2:
            alternatives = self._flatten_disjunction(head)
            if any(self._is_annotated(a) for a, _ in alternatives):
                return self._annotated_disjunction(alternatives, body, clause_span)
        head = self._negated(head) or head
        if body is None and isinstance(head, Term) and head.functor == "\\+":
            shown = "\\+" + format_term(head.args[0])
            self.errors.append(
                ParseError(
                    f"the negative head {shown} needs a probability or a body",
                    head_span,
                    hint=f"write 1.0::{shown}. or {shown} :- true.",
                )
            )
            return None
        if self._check_head(head, head_span):
            return Clause(head, body, clause_span)
        return None

    def _annotated_disjunction(self, alternatives, body, clause_span: Span):
        heads, ok = [], True
        for alt, span in alternatives:
            if not self._is_annotated(alt):
                self.errors.append(
                    ParseError(
                        "every head of an annotated disjunction needs a probability "
                        "(write P::head)",
                        span,
                    )
                )
                ok = False
                continue
            prob, atom = alt.args
            if isinstance(prob, Term) and prob.functor == "nn":
                self.errors.append(
                    ParseError("a neural predicate can't be part of an annotated disjunction", span)
                )
                ok = False
                continue
            ok &= self._check_prob(prob, alt, 0)
            ok &= self._check_head(atom, self._child_span(alt, 1))
            heads.append((prob, self._negated(atom) or atom))
        return ProbClause(heads, body, clause_span) if ok else None

    def _neural(self, annotated: Term, nn: Term, atom, body, clause_span: Span):
        ok = self._check_head(atom, self._child_span(annotated, 1), negation=False)
        args = nn.args
        if not 2 <= len(args) <= 4:
            self.errors.append(
                ParseError(
                    f"nn/{len(args)} is not a neural predicate: write nn(Net, Inputs), "
                    "nn(Net, Inputs, Output) or nn(Net, Inputs, Output, Domain)",
                    nn.span,
                )
            )
            return None
        net = args[0]
        if not (isinstance(net, Term) and not net.args):
            self.errors.append(
                ParseError(
                    "the network of nn(...) must be an atom naming it, like nn(mnist_net, ...)",
                    self._child_span(nn, 0),
                )
            )
            ok = False
        # a variable is the input list bound when the predicate is called (DeepProbLog's
        # CLUTRR: `nn(rel_extract, E, R, [...]) :: extract_relation(E, R)`)
        inputs = args[1] if isinstance(args[1], Var) else list_items(args[1])
        if inputs is None:
            self.errors.append(
                ParseError(
                    "the inputs of nn(...) must be a list, like [X], or a variable bound to "
                    f"one, not {_describe(args[1])}",
                    self._child_span(nn, 1),
                )
            )
            ok = False
        output = args[2] if len(args) >= 3 else None
        domain = None
        if len(args) == 4:
            domain = list_items(args[3])
            if domain is None:
                self.errors.append(
                    ParseError(
                        "the domain of nn(...) must be a list of values, like [0,1,2], "
                        f"not {_describe(args[3])}",
                        self._child_span(nn, 3),
                    )
                )
                ok = False
        if not ok:
            return None
        return NeuralClause(net.functor, inputs, output, domain, atom, body, clause_span)

    @staticmethod
    def _is_annotated(term) -> bool:
        return isinstance(term, Term) and term.functor == "::" and len(term.args) == 2

    def _flatten_disjunction(self, term: Term) -> list[tuple[object, Span]]:
        """The alternatives of a (possibly parenthesised) ';' head, left to right."""
        out = []
        stack = [(term, term.span)]
        while stack:
            t, span = stack.pop()
            if isinstance(t, Term) and t.functor == ";" and len(t.args) == 2:
                stack.append((t.args[1], self._child_span(t, 1)))
                stack.append((t.args[0], self._child_span(t, 0)))
            else:
                out.append((t, span))
        return out

    def _check_head(self, head, span: Span, negation: bool = True) -> bool:
        """A definable head; `negation`: `\\+h` (a negative head literal) is allowed too."""
        negated = self._negated(head)
        if negated is not None and negation:
            return self._check_head(negated.args[0], span, negation=False)
        if not isinstance(head, Term):
            message = f"a clause head must be an atom or a compound term, not {_describe(head)}"
        elif head.functor == "::" and len(head.args) == 2:
            message = "a probability annotation ('::') can't be nested inside a clause head"
        elif head.functor in _CONTROL2 and len(head.args) == 2:
            message = f"a clause head can't be a control construct ('{head.functor}'/2)"
            if head.functor == ";":
                message += "; an annotated disjunction is written p1::h1; p2::h2"
        elif negated is not None:
            message = "a clause head can't be a double negation"
        elif head.functor == ":" and len(head.args) == 2 and _looks_like_probability(head.args[0]):
            self.errors.append(
                ParseError(
                    "a probability is attached to a head with '::', not ':'",
                    span,
                    hint="write P::head, e.g. 0.5::coin",
                )
            )
            return False
        else:
            return True
        self.errors.append(ParseError(message, span))
        return False

    def _negated(self, head) -> Term | None:
        """`\\+h` for a negative head literal `\\+h`, `\\+(h)` or `not h`; else None."""
        if not (isinstance(head, Term) and len(head.args) == 1):
            return None
        if head.functor in _NOT_DEFINABLE1:
            return head
        if head.functor == "not" and id(head) in self.prefix_not:
            return Term("\\+", head.args, head.span)
        return None

    def _check_prob(self, prob, parent: Term, index: int) -> bool:
        if isinstance(prob, Str):
            self.errors.append(
                ParseError(
                    "a probability must be a number, an arithmetic expression, a variable or "
                    f"t(...), not {_describe(prob)}",
                    self._child_span(parent, index),
                )
            )
            return False
        return True

    def _check_body(self, body, parent: Term, index: int, what: str) -> bool:
        """Every goal reached through the control constructs must be callable."""
        ok = True
        stack = [(body, parent, index)]
        while stack:
            goal, owner, i = stack.pop()
            if isinstance(goal, Var):
                continue
            if isinstance(goal, Term):
                arity = len(goal.args)
                if (goal.functor in _CONTROL2 and arity == 2) or (
                    goal.functor in _CONTROL1 and arity == 1
                ):
                    stack.extend((arg, goal, k) for k, arg in enumerate(goal.args))
                    continue
                if goal.functor == "::" and arity == 2:
                    message = "a probability annotation ('::') is only allowed in a clause head"
                elif goal.functor == ":-" and arity in (1, 2):
                    message = f"':-' can't appear inside a {what}"
                else:
                    continue
            else:
                message = f"{_describe(goal)} is not a goal (a {what} is made of atoms, compound terms and variables)"
            self.errors.append(ParseError(message, self._child_span(owner, i)))
            ok = False
        return ok

    def _child_span(self, parent: Term, index: int) -> Span:
        child = parent.args[index]
        if isinstance(child, Term) and child.span is not None:
            return child.span
        positions = self.child_pos.get(id(parent))
        if positions is not None and index < len(positions):
            return self.span(*positions[index])
        return parent.span

    # -- syntax error messages ----------------------------------------------------------

    def describe(self, exc: UnexpectedInput, text: str) -> tuple[ParseError, int | None]:
        """A plain-words ParseError for a lark error, and where to resume (absolute offset)."""
        if isinstance(exc, UnexpectedCharacters):
            p = exc.pos_in_stream
            ch = text[p] if p < len(text) else ""
            if ch in "\"'":
                what = "string" if ch == '"' else "quoted atom"
                message = f"unterminated {what}: no closing {ch} on this line"
            elif text.startswith("/*", p):
                message = "unterminated block comment: '/*' without a closing '*/'"
            else:
                message = f"unexpected character {_show(ch)}"
                expected = _expected(_acceptable(exc))
                if expected:
                    message += f" — expected {expected}"
            return self._error(message, p, p + 1), None
        if not isinstance(exc, UnexpectedToken):
            p = getattr(exc, "pos_in_stream", None) or 0
            return self._error("syntax error", p, p), None

        tok = exc.token
        expected = _acceptable(exc)
        stack = getattr(exc.state, "value_stack", None) or []
        prev = stack[-1] if stack else None
        if isinstance(prev, Token):
            prev_end = prev.end_pos
        elif isinstance(prev, tuple):
            prev_end = prev[2]
        else:
            prev_end = None
        at_eof = tok.type == "$END"
        tpos = len(text) if at_eof or tok.start_pos is None else tok.start_pos

        if "END" in expected and prev_end is not None and (at_eof or "\n" in text[prev_end:tpos]):
            return (
                ParseError("missing '.' at end of clause", self.span(prev_end, prev_end)),
                None if at_eof else self.base + tpos,
            )
        if at_eof:
            where = prev_end if prev_end is not None else len(text)
            message = "unexpected end of input"
            exp = _expected(expected)
            if exp:
                message += f" — expected {exp}"
            return ParseError(message, self.span(where, where)), None

        found = _show(tok.value, quoted=tok.type in ("QATOM", "QFUNCTOR", "STRING"))
        hint = None
        if tok.type == "END":
            found = "'.'"
        exp = _expected(expected)
        necks = [v for v in stack if isinstance(v, Token) and v.type == "NECK"]
        if tok.type == "NECK" and "NECK" not in expected and necks:
            message = "unexpected ':-' — a clause can contain only one ':-'"
            if "\n" in text[necks[-1].end_pos : tpos]:
                hint = "is the clause before it missing its final '.'?"
        elif tok.type != "END" and tok.value.startswith(".") and "END" in expected:
            message = (
                f"unexpected {found} — a '.' that ends a clause must be followed by a space, "
                "a newline or a comment"
            )
        else:
            message = f"unexpected {found}" + (f" — expected {exp}" if exp else "")
            if (
                tok.type == "LPAR"
                and isinstance(prev, Token)
                and prev.type in ("NAME", "QATOM", "SYMBOL_ATOM")
                and prev_end is not None
                and prev_end < tpos
            ):
                hint = "write a compound term without a space before '(', like f(X)"
            elif tok.type == "LPAR" and isinstance(prev, Token) and prev.type == "VAR":
                hint = "a variable can't be used as a functor"
            elif tok.type == "COMMA" and any(
                isinstance(v, Token) and v.type == "PROB" for v in stack
            ):
                hint = "the heads of an annotated disjunction are separated by ';'"
        error = ParseError(message, self.span(tpos, tok.end_pos or tpos), hint=hint)
        return error, None


def _looks_like_probability(term) -> bool:
    if isinstance(term, bool):
        return False
    if isinstance(term, (int, float)):
        return True
    return isinstance(term, Term) and term.functor in ("t", "nn", "/") and bool(term.args)


def _acceptable(exc: UnexpectedInput) -> set[str]:
    """The terminals that really could come next (LALR's lookahead sets are too generous)."""
    names = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        try:
            return set(parser.accepts())
        except Exception:  # fall back to lark's own (merged) lookahead set
            pass
    return set(names)


def _describe(value) -> str:
    if isinstance(value, Var):
        return f"the variable {value.name}"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, Str):
        return "a string"
    if isinstance(value, Term):
        return f"the term {_show(str(value.functor))}" + (
            f"/{len(value.args)}" if value.args else ""
        )
    return type(value).__name__


# ------------------------------------------------------------------------------ escapes --


class _EscapeError(Exception):
    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    "s": " ",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "\n": "",  # a backslash at the end of a line continues the text on the next line
}
_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape(body: str, quote: str, offset: int) -> str:
    """Decode the text between quotes; `offset` positions errors relative to the token."""
    doubled = quote + quote
    if "\\" not in body and doubled not in body:
        return body
    out = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == quote and body.startswith(doubled, i):
            out.append(quote)
            i += 2
            continue
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise _EscapeError(offset + i, "a backslash must be followed by an escape character")
        e = body[i + 1]
        start = i
        if e in _SIMPLE_ESCAPES and not (e == "0" and i + 2 < n and body[i + 2] in "01234567"):
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
            continue
        if e == "x" or e in "01234567":
            digits_start = i + 2 if e == "x" else i + 1
            j = digits_start
            allowed = _HEX if e == "x" else "01234567"
            while j < n and body[j] in allowed:
                j += 1
            if j == digits_start:
                raise _EscapeError(offset + i, "'\\x' must be followed by hexadecimal digits")
            code = int(body[digits_start:j], 16 if e == "x" else 8)
            if j < n and body[j] == "\\":
                j += 1
            i = j
        elif e in "uU":
            width = 4 if e == "u" else 8
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(d not in _HEX for d in digits):
                raise _EscapeError(
                    offset + i, f"'\\{e}' must be followed by {width} hexadecimal digits"
                )
            code = int(digits, 16)
            i += 2 + width
        else:
            raise _EscapeError(offset + i, f"unknown escape sequence {_show(chr(92) + e)}")
        if code > 0x10FFFF:
            raise _EscapeError(offset + start, "character code out of range in escape sequence")
        out.append(chr(code))
    return "".join(out)
