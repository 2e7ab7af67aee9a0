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
    from pathlib import Path

    import nesy
    from nesy.ground.engine import program_queries
    from nesy.syntax.parser import parse as parse_ast

    if args.stage == "ast":
        ast = parse_ast(Path(args.file).read_text(encoding="utf-8"), args.file)
        for item in ast.items:
            print(item)
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
