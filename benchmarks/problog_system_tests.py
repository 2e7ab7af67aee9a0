"""Survey: nesy against ProbLog's own system tests (test/*.pl of ML-KULeuven/problog).

Run: python benchmarks/problog_system_tests.py TESTS_DIR [-v] [-j N] [FILE ...]

TESTS_DIR is a folder holding ProbLog's test/*.pl files (a checkout of ProbLog's repository;
they are not part of nesy).

For each test file: parse the expected outcome the way ProbLog's test_system.py does, run
`nesy query FILE --format json` (with --allow-python when the file loads Python), run problog
2.3 the way its test does (ddnnf, log semiring), and classify nesy's result.

Categories:
  same            same answer set and numbers (1e-6)
  error-matched   the test expects an error and nesy gives a clean NesyError
  printing-only   same numbers, but some answer is printed differently
  WRONG           a number differs (!!)
  problog-quirk   a number differs because of a ProbLog quirk nesy does not copy (QUIRKS)
  nesy-error      nesy gives an error where the test expects answers
  answers-not-error  nesy answers where the test expects an error
  timeout/crash   nesy ran out of time or printed a traceback
A test is "stale" when problog 2.3 itself fails it: it is reported apart, with nesy compared to
problog 2.3's own result instead (an error where problog errs counts as error-matched).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

NESY = [sys.executable, "-m", "nesy.cli"]
# problog on one file the way ProbLog's test_system.py runs it; prints JSON {answers|error}
PROBLOG_RUN = """
import json, sys
from problog import get_evaluatable
from problog.evaluator import SemiringLogProbability
from problog.program import DefaultPrologParser, ExtendedPrologFactory, PrologFile
try:
    parser = DefaultPrologParser(ExtendedPrologFactory())
    kc = get_evaluatable(name="ddnnf").create_from(PrologFile(sys.argv[1], parser=parser))
    computed = kc.evaluate(semiring=SemiringLogProbability())
    print(json.dumps({"answers": {str(k): float(v) for k, v in computed.items()}}))
except Exception as err:
    print(json.dumps({"error": type(err).__name__, "message": str(err)[:300]}))
"""
TIMEOUT = 120


def read_result(path: Path):
    """Expected outcome: a dict atom -> probability, or an error class name (ProbLog's rules)."""
    results = {}
    reading = False
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("%Expected outcome:"):
            reading = True
        elif reading:
            if line.lower().startswith("% error"):
                return line[len("% error"):].strip()
            elif line.startswith("% "):
                query, prob = line[2:].rsplit(None, 1)
                results[query.strip()] = float(prob.strip())
            else:
                reading = False
        if line.startswith("query(") and line.find("% outcome:") >= 0:
            pos = line.find("% outcome:")
            query = line[6:pos].strip().rstrip(".").rstrip()[:-1]
            results[query.strip()] = float(line[pos + 10:].strip())
    return results


_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[A-Z_][A-Za-z0-9_]*|[^'\"A-Z_]+")


def rename_vars(atom: str) -> str:
    """Rename variables by order of first appearance (X4 and V_0 and _123 all become _G1...)."""
    names: dict[str, str] = {}
    out = []
    for tok in _TOKEN.findall(atom):
        prev = out[-1][-1] if out else ""
        in_word = prev.isalnum() or prev == "_"
        if (tok[0].isupper() or tok[0] == "_") and not in_word:
            tok = names.setdefault(tok, f"_G{len(names) + 1}")
        out.append(tok)
    return "".join(out)


def squash(atom: str) -> str:
    return re.sub(r"\s+", "", rename_vars(atom))


def uses_python(path: Path) -> bool:
    text = path.read_text()
    return bool(re.search(r"use_module\('[^']*\.py'\)|load_external", text))


def run(cmd: list[str], cwd: Path) -> tuple[str, int | None, str, str]:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", None, "", ""
    return "ran", proc.returncode, proc.stdout, proc.stderr


def run_nesy(path: Path):
    cmd = [*NESY, "query", path.name, "--format", "json"]
    if uses_python(path):
        cmd.append("--allow-python")
    status, rc, out, err = run(cmd, path.parent)
    if status == "timeout":
        return {"status": "timeout"}
    if "Traceback" in err:
        return {"status": "crash", "message": err.strip().splitlines()[-1]}
    if rc != 0:
        return {"status": "error", "message": " ".join(err.strip().splitlines()[:1])}
    try:
        return {"status": "answers", "answers": json.loads(out)}
    except json.JSONDecodeError:
        return {"status": "crash", "message": "unparsable output: " + out[:200]}


def run_problog(path: Path):
    status, rc, out, err = run([sys.executable, "-c", PROBLOG_RUN, path.name], path.parent)
    if status == "timeout":
        return {"error": "timeout"}
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"error": "crash", "message": err[-200:]}


def passes(expected, got) -> bool:
    """ProbLog's own test: same key set (as printed) and numbers to 7 places."""
    if isinstance(expected, str):
        return got.get("error") == expected
    answers = got.get("answers")
    if answers is None or set(answers) != set(expected):
        return False
    return all(abs(expected[k] - answers[k]) < 5e-7 for k in expected)


def unquote(atom: str) -> str:
    """ProbLog keeps an atom's quotes as written ('<', 'hello'); nesy quotes only when needed."""
    return squash(atom).replace("'", "")


def compare_answers(expected: dict, got: dict) -> tuple[str, str]:
    if set(got) == set(expected):
        bad = [k for k in expected if abs(expected[k] - got[k]) > 1e-6]
        if bad:
            return "WRONG", "; ".join(f"{k}: expected {expected[k]} nesy {got[k]}" for k in bad)
        return "same", ""
    # the same answers printed differently: variable names, then spacing, then quotes
    for norm, what in ((rename_vars, "variable names"), (squash, "spacing/operators"),
                       (unquote, "quoted atoms")):
        exp_n = {norm(k): v for k, v in expected.items()}
        got_n = {norm(k): v for k, v in got.items()}
        if set(exp_n) == set(got_n):
            bad = [k for k in exp_n if abs(exp_n[k] - got_n[k]) > 1e-6]
            if bad:
                return "WRONG", "; ".join(f"{k}: expected {exp_n[k]} nesy {got_n[k]}" for k in bad)
            return "printing-only", (f"{what}: expected {sorted(set(expected) - set(got))} "
                                     f"nesy {sorted(set(got) - set(expected))}")
    exp_n = {unquote(k): v for k, v in expected.items()}
    got_n = {unquote(k): v for k, v in got.items()}
    bad = [k for k in set(exp_n) & set(got_n) if abs(exp_n[k] - got_n[k]) > 1e-6]
    missing = {k: v for k, v in exp_n.items() if k not in got_n}
    extra = {k: v for k, v in got_n.items() if k not in exp_n}
    if bad:
        return "WRONG", "; ".join(f"{k}: expected {exp_n[k]} nesy {got_n[k]}" for k in bad)
    if all(v == 0 for v in missing.values()) and all(v == 0 for v in extra.values()):
        return "printing-only", f"zero answers listed differently: expected-only {missing} " \
                                f"nesy-only {extra}"
    return "WRONG", f"answer sets differ: expected-only {missing} nesy-only {extra}"


def classify(expected, nesy) -> tuple[str, str]:
    if nesy["status"] in ("timeout", "crash"):
        return "timeout/crash", nesy.get("message", nesy["status"])
    if isinstance(expected, str):
        if nesy["status"] == "error":
            return "error-matched", f"expects {expected}; nesy: {nesy['message'][:100]}"
        return "answers-not-error", f"expects {expected}; nesy answers {nesy['answers']}"
    if nesy["status"] == "error":
        return "nesy-error", nesy["message"][:160]
    return compare_answers(expected, nesy["answers"])


# Disagreements explained by a ProbLog quirk nesy does not copy (checked by hand).
QUIRKS = {
    "smokers_csv.pl": "ProbLog's csv_load makes quoted atoms ('bob') that ProbLog keeps apart "
    "from bob, so smokes(bob) and smokes('bob') are two atoms with two independent 0.3 chances; "
    "nesy ('bob' == bob, as ISO) gives 0.6202131374, what problog 2.3 itself gives for the same "
    "facts written in the program",
}


def survey_one(path: Path):
    expected = read_result(path)
    nesy = run_nesy(path)
    problog = run_problog(path)
    category, detail = classify(expected, nesy)
    if category == "WRONG" and path.name in QUIRKS:
        category, detail = "problog-quirk", f"{detail} -- {QUIRKS[path.name]}"
    stale = not passes(expected, problog)
    if stale:
        actual = problog.get("answers", problog.get("error"))
        problog["versus"] = classify(actual, nesy)
    return path.name, category, detail, stale, problog


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    jobs = 2
    if "-j" in argv:
        jobs = int(argv[argv.index("-j") + 1])
    folders = [Path(a) for a in argv if Path(a).is_dir()]
    files = [Path(a).resolve() for a in argv if a.endswith(".pl")]
    if not files and not folders:
        raise SystemExit(__doc__.split("\n\n")[1])
    for folder in folders:
        files += sorted(folder.resolve().glob("*.pl"))
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(survey_one, files))
    counts: dict[str, int] = {}
    stale_counts: dict[str, int] = {}
    for name, category, detail, stale, problog in results:
        if stale:
            versus = problog["versus"][0]
            stale_counts[versus] = stale_counts.get(versus, 0) + 1
            continue
        counts[category] = counts.get(category, 0) + 1
        if category not in ("same", "error-matched") or verbose:
            print(f"{category:18} {name}: {detail}")
    print()
    for name, category, _, stale, problog in results:
        if stale:
            short = problog.get("error") or "answers differ from its expected outcome"
            versus, why = problog["versus"]
            print(f"stale {name}: problog 2.3 fails it [{short}]; nesy vs the test: {category}; "
                  f"nesy vs problog 2.3's own result: {versus} {why[:100]}")
    print()
    order = ["same", "error-matched", "printing-only", "WRONG", "problog-quirk", "nesy-error",
             "answers-not-error", "timeout/crash"]
    stale_total = sum(stale_counts.values())
    print(f"total {len(results)} test files; {len(results) - stale_total} that problog 2.3 passes: "
          + ", ".join(f"{c} {counts.get(c, 0)}" for c in order))
    print(f"stale (problog 2.3 fails its own expectation) {stale_total}; nesy vs problog 2.3's "
          "own result there: " + ", ".join(f"{c} {n}" for c, n in sorted(stale_counts.items())))
    agree = counts.get("same", 0) + counts.get("error-matched", 0)
    agree_stale = stale_counts.get("same", 0) + stale_counts.get("error-matched", 0)
    print(f"agree with ProbLog: {agree} of the tests problog passes, + {agree_stale} stale tests "
          f"where nesy gives problog 2.3's own result = {agree + agree_stale} of {len(results)}")


if __name__ == "__main__":
    main(sys.argv[1:])
