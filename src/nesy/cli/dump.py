"""`nesy dump FILE --stage STAGE [--semantics S]`: print one IR of the pipeline (ast, program,
ground, simplified, circuit); `simplified` and `circuit` are what the query plan evaluates under
the semantics (a compiled circuit, a derivation DAG, or top-k's circuit over its proofs)."""

from __future__ import annotations

from nesy.cli import add_limit_options, limits_from

STAGES = ("ast", "program", "ground", "simplified", "circuit")


def add_parser(sub) -> None:
    parser = sub.add_parser("dump", help="print an intermediate representation")
    parser.add_argument("file")
    parser.add_argument("--stage", default="ground", choices=STAGES)
    parser.add_argument("--semantics", default="exact", metavar="S",
                        help="the semantics whose plan `simplified` and `circuit` show "
                             "(default exact)")
    parser.add_argument("-k", type=int, default=3, help="proofs per answer for topk (default 3)")
    add_limit_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    import nesy
    from nesy.errors import NesyError
    from nesy.ground.engine import program_queries
    from nesy.query import MappedLeaves, compile_query, fixed_probabilities
    from nesy.syntax.parser import parse as parse_ast

    if args.stage == "ast":
        ast = parse_ast(nesy.read_program(args.file), args.file)
        for item in ast.items:
            print(ast_line(item))
        return 0
    program = nesy.load(args.file)
    if args.stage == "program":
        print(program.pretty())
        return 0
    if args.stage == "ground":
        print(program_queries(program, limits_from(args)).pretty())
        return 0
    plan = compile_query(program, None, args.semantics, limits_from(args), k=args.k)
    if args.stage == "simplified":
        print(plan.simplified.pretty())
        return 0
    try:  # top-k's circuit is over the proofs its fixed probabilities select
        plan.evaluate(MappedLeaves(fixed_probabilities(plan.ground, program)))
    except NesyError:
        pass  # networks or tensors: the plan's structure alone
    print(plan.pretty())
    return 0


def ast_line(item) -> str:
    """One AST item on one line: its location, its kind and its fields, each written once
    (a dataclass repr would repeat the whole source text in every span)."""
    from nesy.terms import format_term

    def text(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, list):
            return "[" + ", ".join(text(v) for v in value) + "]"
        if isinstance(value, tuple):
            return "::".join(text(v) for v in value)
        return format_term(value) if not isinstance(value, str) else value

    fields = ", ".join(f"{name}={text(value)}" for name, value in vars(item).items()
                       if name != "span")
    return f"{item.span.location()}: {type(item).__name__}({fields})"
