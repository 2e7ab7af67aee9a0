"""Train and evaluate the 9×9 visual Sudoku solver with the options `nesy train` does not
expose (the t10k split, the batch-norm reader, rotations, test-time augmentation).

    python examples/sudoku/train_solve.py --output runs/sudoku9-bn \\
        --sudoku-dir ../shared/datasets/sudoku --data-dir ../shared/datasets/mnist

prints each epoch's metrics, then the final test evaluation from the same network with and
without test-time augmentation (TTA) and the unique-solution rule in MAP. `--resume` on a
finished run, or `--evaluate-only`, only evaluates.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from nesy.train import sudoku_task as T
from nesy.train.checkpoint import load_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--sudoku-dir", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--network", default="bn", choices=sorted(T.NETWORKS))
    parser.add_argument("--rotate", type=float, default=10.0)
    parser.add_argument("--shift", type=int, default=2)
    parser.add_argument("--no-split-t10k", action="store_true")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluate-only", action="store_true",
                        help="load OUTPUT/checkpoint.pt and only evaluate")
    args = parser.parse_args()
    options = T.SudokuOptions(
        task="solve", sudoku_dir=args.sudoku_dir, data_dir=args.data_dir,
        n_train=args.n_train, n_test=args.n_test, epochs=args.epochs,
        batch_size=args.batch_size, seed=args.seed, network=args.network, rotate=args.rotate,
        shift=args.shift, split_t10k=not args.no_split_t10k)
    if args.evaluate_only:
        module, net, data = T.build_solve(options)
        state = load_checkpoint(Path(args.output) / "checkpoint.pt")
        module.load_state_dict(state["model"])
        history = []
    else:
        module, net, data, history = T.train(options, args.output, resume=args.resume,
                                             progress=False)
    for row in history:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()}), flush=True)
    if history:
        print(f"training time {sum(r['epoch_time_s'] for r in history):.1f} s", flush=True)
    net.eval()
    for tta, unique in ((False, False), (True, False), (False, True), (True, True)):
        started = time.perf_counter()
        result = T.evaluate_solve(module, net, data.test, tta=tta, unique=unique)
        result["ratio"] = result["board_accuracy"] / max(result["digit_accuracy_pow_givens"],
                                                         1e-12)
        result["eval_wall_s"] = time.perf_counter() - started
        print(json.dumps({"tta": tta, "unique": unique, **{k: (round(v, 4) if isinstance(v, float) else v)
                                         for k, v in result.items()}}), flush=True)


if __name__ == "__main__":
    main()
