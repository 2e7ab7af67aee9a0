"""Tests of the ProbLog/DeepProbLog parser (nesy.syntax.parse)."""

from __future__ import annotations

import glob
import os
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nesy.errors import MultipleErrors, NesyError, ParseError
from nesy.syntax import parse
from nesy.syntax.ast import Clause, Directive, NeuralClause, ProbClause, ProgramAST
from nesy.syntax.parser import GRAMMAR_PATH, MAX_DEPTH
from nesy.terms import NIL, Str, Term, Var, list_items, make_list

# ------------------------------------------------------------------------------ helpers --


def T(functor, *args):
    return Term(functor, tuple(args))


A = T  # atoms read better as A("a")


def one(text: str):
    """The single item of a one-clause program."""
    items = parse(text).items
    assert len(items) == 1, items
    return items[0]


def head(text: str) -> Term:
    item = one(text)
    assert isinstance(item, Clause)
    return item.head


def fact_args(text: str) -> tuple:
    return head(text).args


def body(text: str):
    item = one(text)
    return item.body


def error_of(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert not isinstance(info.value, MultipleErrors), info.value
    return info.value


def errors_of(text: str) -> list[NesyError]:
    with pytest.raises(NesyError) as info:
        parse(text)
    if isinstance(info.value, MultipleErrors):
        return info.value.errors
    return [info.value]


def where(error: NesyError) -> tuple[int, int]:
    assert error.span is not None
    return error.span.line, error.span.column


# ------------------------------------------------------------------ program structure --


def test_parse_returns_program_ast_with_source():
    program = parse("a.\nb :- a.\n", name="prog.pl")
    assert isinstance(program, ProgramAST)
    assert program.source.name == "prog.pl"
    assert program.source.text == "a.\nb :- a.\n"
    assert [type(i) for i in program.items] == [Clause, Clause]


def test_empty_and_comment_only_programs():
    assert parse("").items == []
    assert parse("   \n\t\n").items == []
    assert parse("% nothing\n/* at\n all */\n").items == []


def test_fact():
    item = one("edge(a, b).")
    assert isinstance(item, Clause)
    assert item.head == T("edge", A("a"), A("b"))
    assert item.body is None


def test_atom_fact():
    assert head("rain.") == A("rain")


def test_rule():
    item = one("path(X, Y) :- edge(X, Z), path(Z, Y).")
    assert isinstance(item, Clause)
    x, y = item.head.args
    conj = item.body
    assert conj.functor == "," and len(conj.args) == 2
    left, right = conj.args
    assert left.functor == "edge" and left.args[0] is x
    z = left.args[1]
    assert isinstance(z, Var) and z.name == "Z"
    assert right == T("path", z, y) and right.args[0] is z and right.args[1] is y


def test_directive():
    item = one(":- use_module(library(lists)).")
    assert isinstance(item, Directive)
    assert item.goal == T("use_module", T("library", A("lists")))


def test_directive_with_conjunction():
    item = one(":- a, b.")
    assert isinstance(item, Directive)
    assert item.goal == T(",", A("a"), A("b"))


def test_query_and_evidence_are_plain_clauses():
    items = parse("query(path(1, 5)).\nevidence(alarm, true).\nquery(p(_)).").items
    assert all(isinstance(i, Clause) and i.body is None for i in items)
    assert items[0].head == T("query", T("path", 1, 5))
    assert items[1].head == T("evidence", A("alarm"), A("true"))
    assert items[2].head.functor == "query"


def test_items_keep_source_order():
    text = "a. 0.5::b. :- c. nn(n, [X]) :: d(X). e :- a."
    kinds = [type(i) for i in parse(text).items]
    assert kinds == [Clause, ProbClause, Directive, NeuralClause, Clause]


def test_several_clauses_on_one_line_and_across_lines():
    items = parse("a. b.\nc\n  :-\n  a,\n  b.").items
    assert [i.head for i in items] == [A("a"), A("b"), A("c")]
    assert items[2].body == T(",", A("a"), A("b"))


def test_clause_end_needs_layout_after_dot():
    # a '.' directly before end of input, a comment or a newline ends a clause
    assert len(parse("a.%c\nb./*c*/c.\r\nd.").items) == 4


# --------------------------------------------------------------------------- variables --


def test_same_variable_name_is_same_object_within_a_clause():
    item = one("p(X, Y, X) :- q(Y, X).")
    x1, y1, x2 = item.head.args
    assert x1 is x2
    assert item.body.args[0] is y1 and item.body.args[1] is x1


def test_variables_are_fresh_per_clause():
    a, b = parse("p(X). q(X).").items
    assert isinstance(a.head.args[0], Var)
    assert a.head.args[0] is not b.head.args[0]


def test_anonymous_variables_are_distinct():
    args = fact_args("p(_, _, _X, _X).")
    assert all(isinstance(v, Var) for v in args)
    assert args[0] is not args[1]
    assert args[2] is args[3]
    assert args[2].name == "_X"


def test_variables_in_annotated_disjunction_and_neural_clause_are_shared():
    ad = one("0.5::heads(C); 0.5::tails(C) :- coin(C).")
    c1 = ad.heads[0][1].args[0]
    assert ad.heads[1][1].args[0] is c1 and ad.body.args[0] is c1
    nn = one("nn(net, [X], Y, [0, 1]) :: digit(X, Y).")
    assert nn.inputs[0] is nn.head.args[0]
    assert nn.output is nn.head.args[1]


def test_variable_forms():
    args = fact_args("p(X, Xyz, X_1, _, _foo, ABC).")
    assert [v.name for v in args] == ["X", "Xyz", "X_1", "_", "_foo", "ABC"]


# ------------------------------------------------------------------------------- atoms --


def test_atoms():
    args = fact_args("p(a, aBc_1, 'Hello world', [], '[]', !, 'a', é).")
    assert args == (
        A("a"),
        A("aBc_1"),
        A("Hello world"),
        NIL,
        NIL,
        A("!"),
        A("a"),
        A("é"),
    )


def test_quoted_atom_escapes():
    args = fact_args(r"p('it''s', 'a\'b', 'tab\there', 'nl\n', 'back\\slash', '\x41\', '\101\').")
    assert [a.functor for a in args] == [
        "it's",
        "a'b",
        "tab\there",
        "nl\n",
        "back\\slash",
        "A",
        "A",
    ]


def test_quoted_atom_line_continuation_and_unicode_escape():
    args = fact_args("p('ab\\\ncd', '\\u00e9').")
    assert [a.functor for a in args] == ["abcd", "é"]


def test_symbol_atoms_and_operators_as_atoms():
    args = fact_args("p(+, -, *, =, \\+, =.., <=>, @, :-, ->, '|').")
    names = [a.functor for a in args]
    assert names == ["+", "-", "*", "=", "\\+", "=..", "<=>", "@", ":-", "->", "|"]
    assert all(isinstance(a, Term) and not a.args for a in args)


def test_word_operators_are_atoms_in_argument_positions():
    args = fact_args("p(is, mod, rem, xor, div, not, isa, modulo).")
    assert [a.functor for a in args] == ["is", "mod", "rem", "xor", "div", "not", "isa", "modulo"]


def test_prefix_operator_names_as_atoms():
    assert fact_args("p([-, +], -, \\+).") == (make_list([A("-"), A("+")]), A("-"), A("\\+"))
    item = one("p :- X = -, Y = [+ | \\+].")
    first, second = item.body.args
    assert first.args[1] == A("-")
    assert second.args[1] == T(".", A("+"), A("\\+"))


# ----------------------------------------------------------------------------- numbers --


def test_integers_and_floats():
    args = fact_args("p(0, 42, 0.5, 1.0e-3, 1e5, 2.5E+2, 007).")
    assert args == (0, 42, 0.5, 0.001, 100000.0, 250.0, 7)
    assert [type(a) for a in args] == [int, int, float, float, float, float, int]


def test_special_integer_notations():
    args = fact_args("p(0x1F, 0o17, 0b101, 0'a, 0' , 0''', 0'\\n).")
    assert args == (31, 15, 5, 97, 32, 39, 10)


def test_negative_numeric_literals():
    args = fact_args("p(-3, -0.5, -1e3, -0x10).")
    assert args == (-3, -0.5, -1000.0, -16)
    assert isinstance(args[0], int)


def test_minus_with_space_or_parentheses_is_the_operator():
    args = fact_args("p(- 3, -(3), - (3), -a, - a).")
    assert args == (T("-", 3), T("-", 3), T("-", 3), T("-", A("a")), T("-", A("a")))


def test_binary_minus_is_never_a_negative_literal():
    item = one("p(X, Y) :- Y is X-3, Z is X - 3, W is X -3, V is 3 - -3, U is a-(1).")
    goals = []
    g = item.body
    while isinstance(g, Term) and g.functor == ",":
        goals.append(g.args[0])
        g = g.args[1]
    goals.append(g)
    rhs = [goal.args[1] for goal in goals]
    x = item.head.args[0]
    assert rhs[0] == T("-", x, 3)
    assert rhs[1] == T("-", x, 3)
    assert rhs[2] == T("-", x, 3)
    assert rhs[3] == T("-", 3, -3)
    assert rhs[4] == T("-", A("a"), 1)


def test_negative_literal_before_power_is_negated_power_as_in_problog():
    # ProbLog (and mathematics) read -2**2 as -(2**2); parentheses keep (-2)**2
    assert body("p :- X is -2**2.").args[1] == T("-", T("**", 2, 2))
    assert body("p :- X is -10**(-10).").args[1] == T("-", T("**", 10, -10))
    assert body("p :- X is (-2)**2.").args[1] == T("**", -2, 2)
    assert body("p :- X is -2^2.").args[1] == T("^", -2, 2)


def test_double_minus():
    assert fact_args("p(- -1, - - 1, -(-1)).") == (
        T("-", -1),
        T("-", T("-", 1)),
        T("-", -1),
    )


def test_number_too_long_is_a_parse_error():
    error = error_of("p(" + "9" * 6000 + ").")
    assert "too long" in error.message
    assert where(error) == (1, 3)


# ----------------------------------------------------------------------------- strings --


def test_strings():
    args = fact_args('p("abc", "", "with \\"quotes\\"", "say ""hi""", "tab\\t").')
    assert args == (Str("abc"), Str(""), Str('with "quotes"'), Str('say "hi"'), Str("tab\t"))


def test_percent_and_comment_markers_inside_quotes_are_not_comments():
    args = fact_args("p(\"50% off\", '100%', '/* no */', \"a.b. c\").")
    assert args == (Str("50% off"), A("100%"), A("/* no */"), Str("a.b. c"))


def test_unknown_escape_is_an_error():
    error = error_of("p('a\\qb').")
    assert "escape" in error.message
    assert where(error) == (1, 5)  # the backslash


# ------------------------------------------------------------------------------- lists --


def test_lists():
    args = fact_args("p([], [a], [1, 2, 3], [a, b | T], [[1], []], [X | Y]).")
    assert args[0] == NIL
    assert args[1] == T(".", A("a"), NIL)
    assert args[2] == make_list([1, 2, 3])
    t = args[3]
    assert t.functor == "." and t.args[0] == A("a")
    assert t.args[1].args[0] == A("b")
    tail = t.args[1].args[1]
    assert isinstance(tail, Var) and tail.name == "T"
    assert list_items(args[4]) == [make_list([1]), NIL]
    assert isinstance(args[5].args[0], Var) and isinstance(args[5].args[1], Var)


def test_list_elements_are_priority_999():
    (lst,) = fact_args("p([(a :- b), (c, d), e = f]).")
    items = list_items(lst)
    assert items == [T(":-", A("a"), A("b")), T(",", A("c"), A("d")), T("=", A("e"), A("f"))]


def test_long_list_is_not_too_deep():
    (lst,) = fact_args("p([" + ",".join(str(i) for i in range(5000)) + "]).")
    assert list_items(lst) == list(range(5000))


# --------------------------------------------------------------------------- operators --


def test_is_with_arithmetic():
    item = one("p(X, Y) :- X is Y+1.")
    x, y = item.head.args
    assert item.body == T("is", x, T("+", y, 1))
    assert item.body.args[0] is x and item.body.args[1].args[0] is y


@pytest.mark.parametrize(
    "op",
    [
        "=",
        "\\=",
        "==",
        "\\==",
        "<",
        ">",
        "=<",
        ">=",
        "=:=",
        "=\\=",
        "is",
        "=..",
        "@<",
        "@>",
        "@=<",
        "@>=",
    ],
)
def test_comparison_operators(op):
    item = one(f"p :- X {op} Y.")
    assert item.body.functor == op
    assert [v.name for v in item.body.args] == ["X", "Y"]


@pytest.mark.parametrize(
    "op",
    ["+", "-", "/\\", "\\/", "xor", "*", "/", "//", "mod", "rem", "<<", ">>", "div", "**", "^"],
)
def test_arithmetic_operators(op):
    item = one(f"p :- X is A {op} B.")
    assert item.body.args[1].functor == op


def test_comparison_operators_without_spaces():
    item = one("p :- X=Y, X\\=Y, X==Y, X=<Y, X>=Y, X=:=Y, X=\\=Y, X=..Y, X@=<Y.")
    functors = []
    g = item.body
    while g.functor == ",":
        functors.append(g.args[0].functor)
        g = g.args[1]
    functors.append(g.functor)
    assert functors == ["=", "\\=", "==", "=<", ">=", "=:=", "=\\=", "=..", "@=<"]


def test_priorities_and_associativity():
    assert body("p :- X is 2+3*4.").args[1] == T("+", 2, T("*", 3, 4))
    assert body("p :- X is 2*3+4.").args[1] == T("+", T("*", 2, 3), 4)
    assert body("p :- X is 1-2-3.").args[1] == T("-", T("-", 1, 2), 3)  # yfx
    assert body("p :- X is 8/2/2.").args[1] == T("/", T("/", 8, 2), 2)
    assert body("p :- X is 2^3^4.").args[1] == T("^", 2, T("^", 3, 4))  # xfy
    assert body("p :- X is 2**3.").args[1] == T("**", 2, 3)
    assert body("p :- X is (1+2)*3.").args[1] == T("*", T("+", 1, 2), 3)
    assert body("p :- X is -2*3.").args[1] == T("*", -2, 3)
    assert body("p :- X is - a * 3.").args[1] == T("*", T("-", A("a")), 3)
    assert body("p :- X is 7 mod 2 + 1.").args[1] == T("+", T("mod", 7, 2), 1)


def test_control_constructs():
    a, b, c, d = (A(n) for n in "abcd")
    assert body("p :- a, b, c.") == T(",", a, T(",", b, c))  # right-nested
    assert body("p :- a; b; c.") == T(";", a, T(";", b, c))
    assert body("p :- a, b ; c, d.") == T(";", T(",", a, b), T(",", c, d))
    assert body("p :- a -> b ; c.") == T(";", T("->", a, b), c)
    assert body("p :- (a ; b), c.") == T(",", T(";", a, b), c)
    assert body("p :- \\+ a, b.") == T(",", T("\\+", a), b)
    assert body("p :- \\+ a = b.") == T("\\+", T("=", a, b))
    assert body("p :- \\+ (a, b).") == T("\\+", T(",", a, b))
    assert body("p :- \\+ \\+ a.") == T("\\+", T("\\+", a))


def test_not_stays_not():
    assert body("p :- not(q).") == T("not", A("q"))
    assert body("p :- not q.") == T("not", A("q"))
    assert body("p :- not(q), r.") == T(",", T("not", A("q")), A("r"))


def test_operators_as_functors():
    args = fact_args("p(+(1, 2), '\\\\+'(a), ;(a, b), is(X, 1), ','(a, b), -(1, 2), =(a, b)).")
    assert args[0] == T("+", 1, 2)
    assert args[1] == T("\\+", A("a"))
    assert args[2] == T(";", A("a"), A("b"))
    assert args[3].functor == "is" and args[3].args[1] == 1
    assert args[4] == T(",", A("a"), A("b"))
    assert args[5] == T("-", 1, 2)
    assert args[6] == T("=", A("a"), A("b"))


def test_negation_written_as_a_functor_with_several_arguments():
    # ProbLog programs write \+(a, b) for \+ (a, b)
    assert body("p :- \\+(a, b).") == T("\\+", T(",", A("a"), A("b")))
    assert body("p :- \\+(a, b, c).") == T("\\+", T(",", A("a"), T(",", A("b"), A("c"))))
    assert body("p :- \\+(a).") == T("\\+", A("a"))


def test_functor_needs_parenthesis_directly_after_name():
    # with a space, '(' can't follow an atom
    error = error_of("foo (a).")
    assert where(error) == (1, 5)
    assert error.hint and "space" in error.hint


def test_infix_operator_followed_by_parenthesis():
    # after a term, '-(' is binary minus, not the functor '-'
    assert body("p :- X = a-(1).").args[1] == T("-", A("a"), 1)
    goal = body("p :- X is(1+2).")
    assert goal.functor == "is" and goal.args[1] == T("+", 1, 2)


def test_parenthesised_terms_lift_priority():
    (arg,) = fact_args("p((a :- b, c)).")
    assert arg == T(":-", A("a"), T(",", A("b"), A("c")))


def test_module_colon():
    assert body("p :- lists:append(X, Y, Z).").functor == ":"


def test_xfx_operators_do_not_chain():
    assert errors_of("p :- a = b = c.")
    assert errors_of("p :- X is 2 ** 3 ** 4.")


def test_single_colon_instead_of_probability_annotation():
    error = error_of("0.5:coin.")
    assert "'::'" in error.message and where(error) == (1, 1)
    error = error_of("nn(net, [X], Y, [0, 1]) : digit(X, Y).")
    assert "'::'" in error.message
    assert head("lists:append(a).").functor == ":"  # a module-qualified head is still fine


def test_hint_for_comma_between_annotated_heads():
    error = error_of("0.3::a, 0.2::b.")
    assert where(error) == (1, 7)
    assert error.hint and "';'" in error.hint


def test_hint_for_comma_ending_a_clause():
    error = error_of("a :- b,\n\nc :- d.")
    assert where(error) == (3, 3)
    assert error.hint and "'.'" in error.hint


def test_a_clause_has_only_one_neck():
    error = error_of("a :- b :- c.")
    assert where(error) == (1, 8)
    assert "only one ':-'" in error.message


# ----------------------------------------------------------------------------- comments --


def test_comments():
    text = """
    % a line comment with 'quotes' and "strings" and a dot.
    a. % trailing comment
    /* a block
       comment :- with stuff. */
    b :- /* inline */ a.
    c :- a, % inside a body
         b.
    """
    items = parse(text).items
    assert [i.head for i in items] == [A("a"), A("b"), A("c")]
    assert items[2].body == T(",", A("a"), A("b"))


def test_block_comments_do_not_nest():
    with pytest.raises(ParseError):
        parse("/* outer /* inner */ still */ a.")


# ---------------------------------------------------------------- probabilistic clauses --


def test_probabilistic_fact():
    item = one("0.3::edge(a, b).")
    assert isinstance(item, ProbClause)
    assert item.heads == [(0.3, T("edge", A("a"), A("b")))]
    assert item.body is None


def test_probabilistic_rule():
    item = one("0.4::asthma(X) :- smokes(X).")
    assert isinstance(item, ProbClause)
    ((p, h),) = item.heads
    assert p == 0.4 and h.functor == "asthma"
    assert item.body.functor == "smokes" and item.body.args[0] is h.args[0]


def test_annotated_disjunction():
    item = one("0.2::a; 0.3::b :- c.")
    assert isinstance(item, ProbClause)
    assert item.heads == [(0.2, A("a")), (0.3, A("b"))]
    assert item.body == A("c")


def test_annotated_disjunction_fact_and_three_heads():
    item = one("1/3::die(1); 1/3::die(2); 1/3::die(3).")
    assert [h for _, h in item.heads] == [T("die", 1), T("die", 2), T("die", 3)]
    assert all(p == T("/", 1, 3) for p, _ in item.heads)
    assert item.body is None


def test_annotated_disjunction_with_body_and_variables():
    item = one("0.5::heads(C); 0.5::tails(C) :- coin(C).")
    assert [h.functor for _, h in item.heads] == ["heads", "tails"]
    assert item.body.functor == "coin"


@pytest.mark.parametrize(
    "prob, expected",
    [
        ("0.5", 0.5),
        ("1", 1),
        ("1/4", T("/", 1, 4)),
        ("0.5*0.2", T("*", 0.5, 0.2)),
        ("t(0.5)", T("t", 0.5)),
        ("t(1/4)", T("t", T("/", 1, 4))),
    ],
)
def test_probability_terms(prob, expected):
    item = one(f"{prob}::a.")
    assert item.heads[0][0] == expected


def test_learnable_probability_with_anonymous_variable():
    item = one("t(_)::a. ")
    p = item.heads[0][0]
    assert p.functor == "t" and isinstance(p.args[0], Var)


def test_variable_probability():
    item = one("P::a(P) :- b(P).")
    p, h = item.heads[0]
    assert isinstance(p, Var) and h.args[0] is p and item.body.args[0] is p


def test_probability_annotation_in_body_is_an_error():
    error = error_of("p :- 0.3::q.")
    assert "head" in error.message
    assert where(error) == (1, 6)


def test_annotated_disjunction_needs_probabilities_on_every_head():
    error = error_of("0.5::a; b.")
    assert "probability" in error.message
    assert where(error) == (1, 9)


def test_disjunctive_head_without_probabilities_is_an_error():
    error = error_of("a; b :- c.")
    assert where(error) == (1, 1)


# ---------------------------------------------------------------------- neural clauses --


def test_neural_clause_four_arguments():
    item = one("nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).")
    assert isinstance(item, NeuralClause)
    assert item.net == "mnist_net"
    x, y = item.head.args
    assert item.inputs == [x] and item.inputs[0] is x
    assert item.output is y
    assert item.domain == list(range(10))
    assert item.head == T("digit", x, y)
    assert item.body is None


def test_neural_clause_two_and_three_arguments():
    two = one("nn(net, [X]) :: p(X).")
    assert isinstance(two, NeuralClause)
    assert two.output is None and two.domain is None and len(two.inputs) == 1
    three = one("nn(net, [X, Z], Y) :: p(X, Z, Y).")
    assert three.output is three.head.args[2]
    assert three.domain is None and len(three.inputs) == 2


def test_neural_clause_with_body_and_atom_domain():
    item = one("nn(colour_net, [I], C, [red, green]) :: colour(I, C) :- image(I).")
    assert item.domain == [A("red"), A("green")]
    assert item.body.functor == "image"


def test_neural_inputs_must_be_a_list_or_a_variable():
    # a variable is bound to the input list when the predicate is called (CLUTRR's style)
    error = error_of("nn(net, inputs, Y, [0, 1]) :: p(inputs, Y).")
    assert "list" in error.message
    assert where(error) == (1, 9)


def test_neural_domain_must_be_a_list():
    error = error_of("nn(net, [X], Y, digits) :: p(X, Y).")
    assert "domain" in error.message
    assert where(error) == (1, 17)


def test_neural_predicate_arity_and_name_errors():
    assert "nn/1" in error_of("nn(net) :: p.").message
    assert "nn/5" in error_of("nn(a, [X], Y, [1], e) :: p(X, Y).").message
    error = error_of("nn(N, [X]) :: p(X).")
    assert "network" in error.message and where(error) == (1, 4)


def test_neural_predicate_in_annotated_disjunction_is_an_error():
    assert errors_of("nn(n, [X]) :: p(X); 0.5::q.")


# ---------------------------------------------------------------------- head/body checks --


@pytest.mark.parametrize(
    "text, column",
    [("1.", 1), ("X :- a.", 1), ('"s".', 1), ("0.5::X.", 6), ("a, b.", 1),
     ("\\+ \\+ a :- b.", 1), ("\\+ a.", 1), ("not a.", 1)],
)
def test_invalid_heads(text, column):
    error = error_of(text)
    assert "head" in error.message
    assert where(error) == (1, column)


def test_not_can_be_defined():
    # ProbLog's own libraries define not/1
    assert head("not(X) :- \\+ X.").functor == "not"


@pytest.mark.parametrize(
    "text, column",
    [("a :- 1.", 6), ("a :- b, 2.5.", 9), ('a :- "s".', 6), ("a :- (b ; 3).", 11), (":- 42.", 4)],
)
def test_non_callable_goals(text, column):
    error = error_of(text)
    assert "goal" in error.message
    assert where(error) == (1, column)


def test_variable_goal_is_allowed():
    item = one("call_it(G) :- G.")
    assert item.body is item.head.args[0]


# ---------------------------------------------------------------------------------- spans --


def test_spans_of_heads_and_goals():
    text = "% header\nfoo(X) :-\n    bar(X),\n  baz.\n"
    item = one(text)
    assert item.head.span.line == 2 and item.head.span.column == 1
    bar, baz = item.body.args
    assert (bar.span.line, bar.span.column) == (3, 5)
    assert (baz.span.line, baz.span.column) == (4, 3)
    assert text[bar.span.start : bar.span.end] == "bar(X)"
    assert text[baz.span.start : baz.span.end] == "baz"
    assert item.body.span.start == bar.span.start and item.body.span.end == baz.span.end
    assert item.span.line == 2 and item.span.column == 1
    assert text[item.span.start : item.span.end] == "foo(X) :-\n    bar(X),\n  baz."
    assert item.head.span.source is parse(text).source or item.head.span.source.name == "<string>"


def test_spans_of_every_term():
    text = "p(a, f(b), [c], 'q r', -(1)) :- X = 1 + g(h)."
    item = one(text)

    def walk(term):
        if isinstance(term, Term):
            yield term
            for arg in term.args:
                yield from walk(arg)

    for term in list(walk(item.head)) + list(walk(item.body)):
        assert term.span is not None, term
        piece = text[term.span.start : term.span.end]
        if not term.args and term.functor not in ("[]",):
            assert piece in (term.functor, f"'{term.functor}'"), (term, piece)
    f_b = item.head.args[1]
    assert text[f_b.span.start : f_b.span.end] == "f(b)"
    plus = item.body.args[1]
    assert text[plus.span.start : plus.span.end] == "1 + g(h)"
    lst = item.head.args[2]
    assert text[lst.span.start : lst.span.end] == "[c]"


def test_span_columns_after_tabs_and_unicode_and_crlf():
    text = "a.\r\n\tééé(x) :- b.\r\n"
    items = parse(text).items
    assert (items[1].head.span.line, items[1].head.span.column) == (2, 2)
    x = items[1].head.args[0]
    assert (x.span.line, x.span.column) == (2, 6)


def test_spans_of_probabilistic_and_neural_items():
    text = "a.\n0.3::b :- a.\nnn(n, [X], Y, [0]) :: c(X, Y).\n0.1::d; 0.2::e.\n:- a.\n"
    items = parse(text).items
    assert [i.span.line for i in items] == [1, 2, 3, 4, 5]
    assert all(i.span.column == 1 for i in items)
    assert items[1].heads[0][1].span.column == 6
    assert items[2].head.span.column == 23
    assert items[3].heads[1][1].span.column == 14


# ---------------------------------------------------------------------------- errors --


def test_unexpected_closing_parenthesis():
    error = error_of("p(a)).")
    assert where(error) == (1, 5)
    assert "')'" in error.message and "expected" in error.message


def test_unexpected_token_message_names_found_and_expected():
    error = error_of("p :- q(a,).")
    assert where(error) == (1, 10)
    assert error.message.startswith("unexpected ')'")
    assert "a term" in error.message


def test_missing_dot_at_end_of_clause():
    error = error_of("a :- b\nc :- d.\n")
    assert error.message == "missing '.' at end of clause"
    assert where(error) == (1, 7)


def test_missing_dot_at_end_of_input():
    error = error_of("a.\nb :- c")
    assert error.message == "missing '.' at end of clause"
    assert where(error) == (2, 7)


def test_unexpected_end_of_input():
    error = error_of("a :- (b, c")
    assert "end of input" in error.message
    assert error.span.line == 1


def test_unterminated_string_and_quoted_atom():
    error = error_of('a.\np("abc).\n')
    assert "unterminated string" in error.message and where(error) == (2, 3)
    error = error_of("a.\n  p('abc).\n")
    assert "unterminated quoted atom" in error.message and where(error) == (2, 5)


def test_unterminated_block_comment():
    error = error_of("a.\nb. /* never\nclosed\n")
    assert "unterminated block comment" in error.message
    assert where(error) == (2, 4)


def test_unexpected_character():
    error = error_of("a :- b, {c}.")
    assert where(error) == (1, 9)
    assert "'{'" in error.message


def test_dot_without_layout():
    error = error_of("a.b.")
    assert where(error) == (1, 2)
    assert "followed by" in error.message


def test_several_errors_are_reported_together():
    text = "good(1).\nbad(1 2).\ngood(2).\nbad :- ).\nX.\ngood(3) :- 1.\nlast :- x\n"
    errors = errors_of(text)
    assert len(errors) == 5
    assert [e.span.line for e in errors] == [2, 4, 5, 6, 7]
    assert all(isinstance(e, ParseError) for e in errors)
    with pytest.raises(MultipleErrors) as info:
        parse(text)
    rendered = str(info.value)
    assert "<string>:2:7" in rendered and "<string>:7:10" in rendered


def test_resynchronises_after_a_missing_dot():
    errors = errors_of("a :- b\nc :- d(.\ne :- f.\n")
    assert [where(e) for e in errors] == [(1, 7), (2, 8)]


def test_error_messages_render_location_and_excerpt():
    error = error_of("p :-\n  q(a b).")
    text = str(error)
    assert text.startswith("<string>:2:7: syntax error: unexpected 'b'")
    assert "q(a b)" in text and "^" in text


def test_errors_carry_the_program_name():
    with pytest.raises(ParseError) as info:
        parse("a :- .", name="model.pl")
    assert info.value.span.source.name == "model.pl"
    assert str(info.value).startswith("model.pl:1:6:")


def test_too_deep_nesting_is_a_parse_error():
    deep = "p(" + "f(" * (MAX_DEPTH + 10) + "x" + ")" * (MAX_DEPTH + 10) + ")."
    error = error_of(deep)
    assert "nested too deeply" in error.message
    assert errors_of("p(" + "[" * 2000 + "]" * 2000 + ").")
    assert errors_of("p :- X = " + "- " * 3000 + "1.")


def test_moderate_nesting_parses():
    depth = MAX_DEPTH - 10
    term = head("p(" + "f(" * depth + "x" + ")" * depth + ").")
    for _ in range(depth):
        term = term.args[0]
    assert term.functor == "f"


def test_deep_parentheses_do_not_crash():
    assert head("p(" + "(" * 20000 + "x" + ")" * 20000 + ").") == T("p", A("x"))


def test_long_bodies_are_chains_not_nesting():
    item = one("p :- " + ", ".join(f"q({i})" for i in range(3000)) + ".")
    assert item.body.functor == ","
    item = one("p :- " + "; ".join(f"q({i})" for i in range(3000)) + ".")
    assert item.body.functor == ";"


def test_input_edge_cases():
    assert parse("\ufeffa.").items[0].head == A("a")  # byte-order mark
    assert parse("#!/usr/bin/env problog\na.").items[0].head == A("a")
    assert parse(b"a.").items[0].head == A("a")
    with pytest.raises(ParseError):
        parse(None)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse("a(\x00).")


def test_errors_for_many_bad_clauses_are_capped():
    text = "".join(f"bad({i} x).\n" for i in range(300))
    errors = errors_of(text)
    assert 2 <= len(errors) <= 60


# --------------------------------------------------------------------------- the grammar --


def test_grammar_file_is_the_checked_in_reference():
    text = GRAMMAR_PATH.read_text(encoding="utf-8")
    assert GRAMMAR_PATH.name == "problog.lark"
    for rule in ("program:", "clause:", "?term1200:", "compound:", "list:", "atom:"):
        assert rule in text


def test_parse_is_thread_safe():
    texts = [f"p{i}(X) :- q(X, {i}).\n" * 50 for i in range(6)]
    results: dict[int, list] = {}

    def work(i):
        for _ in range(5):
            results[i] = parse(texts[i]).items

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(6):
        assert len(results[i]) == 50
        assert all(c.head.functor == f"p{i}" and c.body.args[1] == i for c in results[i])


def test_twenty_thousand_facts_parse_quickly():
    text = "".join(f"0.5::edge(n{i}, n{i + 1}).\n" for i in range(20000))
    parse("warm.")
    start = time.perf_counter()
    items = parse(text).items
    elapsed = time.perf_counter() - start
    assert len(items) == 20000
    assert elapsed < 30, elapsed  # typically 2-3 s; generous for slow CI machines


# ------------------------------------------------------- compatibility with ProbLog's parser --


def _unquote_problog(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == "'":
        return name[1:-1].replace("\\'", "'").replace("''", "'").replace("\\\\", "\\")
    return name


def _canon_problog(t):
    from problog.logic import Constant
    from problog.logic import Var as PVar

    if isinstance(t, PVar):
        return ("var", "_" if t.name.startswith("_") else t.name)
    if isinstance(t, Constant):
        v = t.functor
        if isinstance(v, str):
            return ("str", v[1:-1]) if v.startswith('"') else ("atom", v)
        return ("num", float(v))
    functor = _unquote_problog(str(t.functor))
    args = tuple(_canon_problog(a) for a in t.args)
    return _fold(functor, args)


def _canon_nesy(t):
    if isinstance(t, Var):
        return ("var", "_" if t.name.startswith("_") else t.name)
    if isinstance(t, Str):
        return ("str", t.value)
    if isinstance(t, (int, float)):
        return ("num", float(t))
    return _fold(t.functor, tuple(_canon_nesy(a) for a in t.args))


def _fold(functor, args):
    if functor == "-" and len(args) == 1 and args[0][0] == "num":
        return ("num", -args[0][1])  # ProbLog folds '- 1' into -1
    if functor == "not" and len(args) == 1:
        functor = "\\+"  # ProbLog reads not/1 as negation
    if not args:
        return ("atom", functor)
    return ("term", functor, args)


def _canon_items_problog(text):
    from problog.logic import AnnotatedDisjunction
    from problog.logic import Clause as PClause
    from problog.parser import PrologParser
    from problog.program import ExtendedPrologFactory

    out = []
    for item in PrologParser(ExtendedPrologFactory()).parseString(text):
        if isinstance(item, AnnotatedDisjunction):
            heads = [(_canon_problog(h.probability), _canon_problog(h)) for h in item.heads]
            body = _canon_problog(item.body)
            out.append(("clause", tuple(heads), None if body == ("atom", "true") else body))
        elif isinstance(item, PClause) and str(item.head.functor) == "_directive":
            out.append(("directive", _canon_problog(item.body)))
        elif isinstance(item, PClause):
            h = item.head
            prob = None if h.probability is None else _canon_problog(h.probability)
            heads = ((prob, _canon_problog(h)),)
            out.append(("clause", heads, _canon_problog(item.body)))
        elif str(item.functor) == ";" and item.probability is None:
            # an annotated disjunction without a body comes back as a ';' term
            heads, stack = [], [item]
            while stack:
                t = stack.pop()
                if str(t.functor) == ";" and len(t.args) == 2 and t.probability is None:
                    stack.extend(reversed(t.args))
                else:
                    heads.append((_canon_problog(t.probability), _canon_problog(t)))
            out.append(("clause", tuple(heads), None))
        else:
            prob = None if item.probability is None else _canon_problog(item.probability)
            out.append(("clause", ((prob, _canon_problog(item)),), None))
    return out


def _canon_items_nesy(text):
    out = []
    for item in parse(text).items:
        if isinstance(item, Directive):
            out.append(("directive", _canon_nesy(item.goal)))
            continue
        body = None if item.body is None else _canon_nesy(item.body)
        if isinstance(item, Clause):
            heads = ((None, _canon_nesy(item.head)),)
        elif isinstance(item, ProbClause):
            heads = tuple((_canon_nesy(p), _canon_nesy(h)) for p, h in item.heads)
        else:  # a NeuralClause, as ProbLog sees it: nn(...) is the probability term
            args = [A(item.net), make_list(item.inputs)]
            if item.output is not None:
                args.append(item.output)
            if item.domain is not None:
                args.append(make_list(item.domain))
            heads = ((_canon_nesy(T("nn", *args)), _canon_nesy(item.head)),)
        out.append(("clause", heads, body))
    return out


COMPATIBILITY_PROGRAM = r"""
% classic ProbLog examples
0.3::stress(X) :- person(X).
0.2::influences(X, Y) :- person(X), person(Y).
smokes(X) :- stress(X).
smokes(X) :- friend(X, Y), influences(Y, X), smokes(Y).
0.4::asthma(X) :- smokes(X).
person(angelika). person(joris).
friend(joris, angelika).
evidence(smokes(joris), true).
query(asthma(angelika)).
1/6::die(D, 1); 1/6::die(D, 2); 1/6::die(D, 3); 1/6::die(D, 4); 1/6::die(D, 5); 1/6::die(D, 6).
t(0.5)::coin. t(_)::learn(X) :- person(X).
len([], 0).
len([_|T], N) :- len(T, M), N is M + 1.
calc(X, Y) :- Y is -X * 2 + 3 mod 2 - (X // 4) ** 2, Y >= -1, Y =\= 0, \+ X == Y.
ite(X) :- (X > 0 -> Y = pos ; X < 0 -> Y = neg ; Y = zero), write(Y), nl.
s(X) :- X = "a string", atom_codes(A, X), A \= 'Quoted Atom', L = [a, 'B', "c" | _].
:- use_module(library(lists)).
ops(X) :- X =.. [f, a], X @< b, 2 =< 3, X \== Y, a:b:c = X, Z is 2^3^2, W is 1 - 2 - 3.
neg(X) :- X = - 1, Y = -(1), Z = 3 - -1, W = 3 -1, V is -10**(-10), U is -2^2, T = -(2)**2.
nn(op_net, [I], Op, [+, -, *, /]) :: operator(I, Op).
nn(digit_net, [I], D, [0, 1, 2]) :: digit(I, D) :- image(I).
apply(+, X, Y, Z) :- Z is X + Y.
best(H) :- hand(H, R), \+(hand(H2, R2), R2 > R, H2 \= H).
"""


def test_same_terms_as_problogs_parser_on_sample_program():
    pytest.importorskip("problog")
    assert _canon_items_nesy(COMPATIBILITY_PROGRAM) == _canon_items_problog(COMPATIBILITY_PROGRAM)


def _problog_library_files():
    try:
        import problog
    except ImportError:
        return []
    root = os.path.dirname(problog.__file__)
    return sorted(glob.glob(os.path.join(root, "library", "**", "*.pl"), recursive=True))


@pytest.mark.parametrize("path", _problog_library_files(), ids=os.path.basename)
def test_same_terms_as_problogs_parser_on_its_libraries(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        expected = _canon_items_problog(text)
    except Exception:
        pytest.skip("ProbLog's own parser rejects this file")
    assert _canon_items_nesy(text) == expected


# ------------------------------------------------------------------------------- fuzzing --

VALID_PROGRAMS = [
    "a.\nb :- a.\n",
    "0.3::edge(a,b).\n0.4::asthma(X) :- smokes(X).\n",
    "0.2::a; 0.3::b :- c.\n:- use_module(library(lists)).\n",
    "nn(mnist_net, [X], Y, [0,1,2,3,4,5,6,7,8,9]) :: digit(X, Y).\n",
    "addition(X, Y, Z) :- digit(X, N1), digit(Y, N2), Z is N1 + N2.\nquery(addition(a, b, 8)).\n",
    "p(X) :- X = 'quoted %atom', Y = \"str\", Z = [1, 2 | T], \\+ q(Z), X is -3 - - 3.\n",
    "/* block */ len([], 0). % comment\nlen([_|T], N) :- len(T, M), N is M+1.\n",
    "t(0.5)::coin. 1/4::x; 3/4::y. f(-(1), - (1), a-(1), 0'a, 0x1F, 1.0e-3).\n",
]

_SETTINGS = settings(
    max_examples=100,  # three fuzz tests: ~300 examples in all
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _only_nesy_errors(text: str) -> None:
    try:
        program = parse(text)
    except NesyError as error:
        assert "internal parser error" not in error.message, error.message
        errors = error.errors if isinstance(error, MultipleErrors) else [error]
        for e in errors:
            assert isinstance(e, ParseError)
            assert "internal parser error" not in e.message, e.message
            if e.span is not None:
                assert 1 <= e.span.line and 1 <= e.span.column
                assert 0 <= e.span.start <= len(text)
        str(error)  # rendering must not fail either
    else:
        assert isinstance(program, ProgramAST)


@_SETTINGS
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text(text):
    _only_nesy_errors(text)


_PROLOG_ALPHABET = st.sampled_from(
    list("abcXY_019 \n\t()[]|,.;:-+*/\\'\"%=<>!@#{}^~")
    + [":-", "::", "/*", "*/", "0'", "nn(", "\\+"]
)


@_SETTINGS
@given(st.lists(_PROLOG_ALPHABET, max_size=80).map("".join))
def test_fuzz_prolog_like_text(text):
    _only_nesy_errors(text)


@st.composite
def _mutated_program(draw):
    text = draw(st.sampled_from(VALID_PROGRAMS))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.one_of(_PROLOG_ALPHABET, st.characters()))
        if action == "insert":
            text = text[:pos] + char + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + char + text[pos + 1 :]
    return text


@_SETTINGS
@given(_mutated_program())
def test_fuzz_near_valid_programs(text):
    _only_nesy_errors(text)


@pytest.mark.parametrize("text", VALID_PROGRAMS)
def test_fuzz_seed_programs_are_valid(text):
    assert parse(text).items
