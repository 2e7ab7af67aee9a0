"""Train and evaluate the 9×9 visual Sudoku solver with the options `nesy train` does not
expose (the t10k split, the batch-norm reader, rotations, test-time augmentation).

    python examples/sudoku/train_solve.py --output runs/sudoku9-bn \\
        --sudoku-dir ../shared/datasets/sudoku --data-dir ../shared/datasets/mnist

prints each epoch's metrics, then the final test evaluation with and without test-time
augmentation (TTA) from the same network.
"""

from __future__ import annotations

import argparse
import json
import time

from nesy.train import sudoku_task as T


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
    args = parser.parse_args()
    options = T.SudokuOptions(
        task="solve", sudoku_dir=args.sudoku_dir, data_dir=args.data_dir,
        n_train=args.n_train, n_test=args.n_test, epochs=args.epochs,
        batch_size=args.batch_size, seed=args.seed, network=args.network, rotate=args.rotate,
        shift=args.shift, split_t10k=not args.no_split_t10k)
    module, net, data, history = T.train(options, args.output, resume=args.resume,
                                         progress=False)
    for row in history:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()}), flush=True)
    print(f"training time {sum(r['epoch_time_s'] for r in history):.1f} s", flush=True)
    net.eval()
    for tta in (False, True):
        started = time.perf_counter()
        result = T.evaluate_solve(module, net, data.test, tta=tta)
        result["ratio"] = result["board_accuracy"] / max(result["digit_accuracy_pow_givens"],
                                                         1e-12)
        result["eval_wall_s"] = time.perf_counter() - started
        print(json.dumps({"tta": tta, **{k: (round(v, 4) if isinstance(v, float) else v)
                                         for k, v in result.items()}}), flush=True)


if __name__ == "__main__":
    main()
