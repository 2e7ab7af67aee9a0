"""`nesy query FILE`: answer a program's queries, as ProbLog prints them."""

from __future__ import annotations

import json

from nesy.cli import add_limit_options, limits_from


def add_parser(sub) -> None:
    from nesy.semiring import REGISTRY

    parser = sub.add_parser("query", help="answer the query/1 atoms of a program")
    parser.add_argument("file")
    parser.add_argument("--semantics", default="exact", choices=list(REGISTRY))
    parser.add_argument("--k", type=int, default=3, help="proofs kept by topk (default 3)")
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.add_argument("--explain", action="store_true", help="print each answer's best proof")
    parser.add_argument("--explain-format", default="text", choices=["text", "json", "dot"])
    parser.add_argument("--allow-python", action="store_true",
                        help="let the program load Python modules (:- use_module('lib.py').)")
    add_limit_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    import nesy

    program = nesy.load(args.file, allow_python=args.allow_python)
    result = nesy.query(program, args.semantics, k=args.k, limits=limits_from(args))
    if args.format == "json":
        payload: dict = dict(result.probabilities)
        if args.explain:
            payload = {"probabilities": payload,
                       "proofs": {a: result.explain(a).to_json() for a in result.probabilities}}
        print(json.dumps(payload, indent=None if not args.explain else 2))
        return 0
    print(result.text())
    if result.mpe_worlds:
        for atom, world in result.mpe_worlds.items():
            print(f"% most probable world for {atom}: {', '.join(world) or '(empty)'}")
    if args.explain:
        for atom in result.probabilities:
            proof = result.explain(atom)
            print()
            print({"text": proof.to_text, "json": lambda p=proof: json.dumps(p.to_json(), indent=2),
                   "dot": proof.to_dot}[args.explain_format]())
    return 0
