"""`nesy dump FILE --stage STAGE`: print one IR of the pipeline (ast, program, ground, circuit)."""

from __future__ import annotations

from nesy.cli import add_limit_options, limits_from

STAGES = ("ast", "program", "ground", "circuit")


def add_parser(sub) -> None:
    parser = sub.add_parser("dump", help="print an intermediate representation")
    parser.add_argument("file")
    parser.add_argument("--stage", default="ground", choices=STAGES)
    add_limit_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    import nesy
    from nesy.ground.engine import program_queries
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
    ground = program_queries(program, limits_from(args))
    if args.stage == "ground":
        print(ground.pretty())
        return 0
    result = nesy.query(program, "exact", limits=limits_from(args))
    print(result.circuit.pretty())
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
