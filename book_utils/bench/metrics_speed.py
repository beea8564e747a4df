"""How long does scoring 1,000 digit samples take? (CPU and wall seconds)

    python -m book_utils.bench.metrics_speed [--n 1000] [--repeats 3] [--view grey]

Prints the first call (fits or loads the reference classifier, computes and caches the
real-data statistics) and then repeated calls (the cost a notebook pays per model).
Budget: at most ~5 s CPU per repeated call of 1,000 samples on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn()
    return value, time.process_time() - cpu, time.perf_counter() - wall


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of samples to score")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--view", default="grey", choices=("grey", "binary"))
    parser.add_argument("--dataset", default="digits")
    args = parser.parse_args(argv)

    from book_utils.metrics import evaluate_samples, format_metrics
    from book_utils.metrics.classifier import load_reference_data

    _, x_train, _ = load_reference_data(args.dataset, args.view)
    rng = np.random.default_rng(0)
    # stand-in samples: training images with a little noise (realistic, not exact copies)
    samples = np.clip(x_train[rng.integers(0, len(x_train), args.n)]
                      + 0.1 * rng.standard_normal((args.n,) + x_train.shape[1:]), 0, 1)
    metrics, cpu, wall = timed(lambda: evaluate_samples(samples, args.dataset, view=args.view))
    print(f"first call (classifier + real statistics + {args.n} samples): cpu {cpu:.2f} s, wall {wall:.2f} s")
    cpus, walls = [], []
    for _ in range(args.repeats):
        metrics, cpu, wall = timed(lambda: evaluate_samples(samples, args.dataset, view=args.view))
        cpus.append(cpu)
        walls.append(wall)
    print(f"repeated call ({args.n} samples): cpu {min(cpus):.2f} s (best of {args.repeats}), "
          f"wall {min(walls):.2f} s")
    print(format_metrics(metrics))
    return {"first_cpu_s": cpus[0], "repeat_cpu_s": min(cpus), "repeat_wall_s": min(walls)}


if __name__ == "__main__":
    main()
