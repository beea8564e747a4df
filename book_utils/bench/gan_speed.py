"""Benchmark: how fast the GAN's training step runs on this machine (not a test).

    python -m book_utils.bench.gan_speed [--steps 60] [--dataset digits]

Reports training images per second (per CPU-second and per wall-second) for the book's
digits GAN with the *same* step run three ways: eagerly, as a ``tf.function`` graph, and
XLA-compiled (``jit_compile=True``, the book's default), and checks that the graph gives the
same first-step losses as eager execution from the same state (XLA draws its noise from
another random stream than eager TensorFlow, so its losses are not compared). It also times
one epoch of the book's GAN (XLA) and of the TensorFlow DCGAN tutorial's architecture (conv
nets, batch 256, Adam(1e-4), plain ``tf.function``) on the same data. On a shared machine the wall figures
are inflated; the CPU-second figures are the fairer comparison.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _time_steps(step, batches, repeat: int) -> tuple[float, float]:
    """(cpu seconds, wall seconds) of ``repeat`` passes over ``batches`` (after one warm-up step)."""
    step(*batches[0])
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for batch in batches:
            out = step(*batch)
    float(out["gen_loss"])  # wait for the last step
    return time.process_time() - cpu, time.perf_counter() - wall


def _build(config_kw: dict, seed: int):
    from book_utils.gan.config import GANConfig
    from book_utils.gan.training import GAN
    from book_utils.repro import seed_everything

    seed_everything(seed, ("tensorflow",))
    return GAN(GANConfig(**config_kw))


def benchmark(steps: int = 60, dataset: str = "digits", seed: int = 0) -> dict:
    import numpy as np
    import tensorflow as tf

    from book_utils.data import load
    from book_utils.gan.clusters import kmeans_clusters
    from book_utils.gan.config import recipe
    from book_utils.gan.models import count_params
    from book_utils.gan.training import make_dataset

    data = load(dataset, view="signed")
    settings = {**recipe(data.image_shape), "image_shape": data.image_shape, "seed": seed}
    # batches are the step's argument tuples: (images,), or (images, clusters) for a clustered recipe
    clusters = kmeans_clusters(data.x_train, settings["clusters"], seed) if settings.get("clusters") else None
    batches = [b if clusters is not None else (b,)
               for b in make_dataset(data.x_train, settings["batch_size"], seed, 0, clusters)]
    repeat = max(1, steps // len(batches))
    n_images = repeat * len(batches) * settings["batch_size"]

    results, first_losses = {}, {}
    for mode in ("eager", "tf.function", "xla"):
        gan = _build({**settings, "jit_compile": mode == "xla"}, seed)
        step = gan.train_step_eager if mode == "eager" else gan.train_step
        first_losses[mode] = {k: float(v) for k, v in step(*batches[0]).items()}
        cpu, wall = _time_steps(step, batches, repeat if mode != "eager" else max(1, repeat // 4))
        n = n_images if mode != "eager" else max(1, repeat // 4) * len(batches) * settings["batch_size"]
        results[mode] = {"images_per_cpu_second": n / cpu, "images_per_wall_second": n / wall}
    ref = first_losses["eager"]
    for mode, losses in first_losses.items():
        results[mode]["same_first_step_as_eager"] = None if mode == "xla" else bool(
            all(np.isclose(losses[k], ref[k], rtol=1e-4, atol=1e-5) for k in ref))

    # TensorFlow DCGAN tutorial: conv nets, batch 256, Adam(1e-4), no EMA, tf.function step.
    tutorial = dict(image_shape=data.image_shape, arch="dcgan", latent_dim=100, batch_size=256,
                    lr_g=1e-4, lr_d=1e-4, beta_1=0.9, seed=seed, jit_compile=False)
    epochs = {}
    for name, kw in (("book (" + settings["arch"] + ", XLA)", {**settings, "jit_compile": True}),
                     ("DCGAN tutorial (tf.function)", tutorial)):
        gan = _build(kw, seed)
        labels = clusters if gan.config.clusters else None
        gan.train_epoch(data.x_train, labels)  # trace
        cpu, wall = time.process_time(), time.perf_counter()
        gan.train_epoch(data.x_train, labels)
        epochs[name] = {"cpu_seconds_per_epoch": time.process_time() - cpu,
                        "wall_seconds_per_epoch": time.perf_counter() - wall,
                        "parameters": count_params(gan.generator) + count_params(gan.discriminator)}
    return {"dataset": dataset, "train_images": int(len(data.x_train)), "threads": {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(), "cpus": os.cpu_count()},
        "step": results, "epoch": epochs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=120, help="timed training steps per mode")
    parser.add_argument("--dataset", default="digits")
    args = parser.parse_args(argv)
    res = benchmark(args.steps, args.dataset)
    print(f"GAN training speed on {args.dataset} ({res['train_images']} images, "
          f"{res['threads']['cpus']} CPUs; a shared machine inflates wall time)")
    print(f"{'step':14s} {'img/CPU-s':>10s} {'img/wall-s':>11s}  same losses as eager")
    for mode, r in res["step"].items():
        same = r["same_first_step_as_eager"]
        print(f"{mode:14s} {r['images_per_cpu_second']:10.0f} {r['images_per_wall_second']:11.0f}  "
              f"{'n/a (own random stream)' if same is None else same}")
    print(f"{'one epoch':34s} {'CPU s':>7s} {'wall s':>7s} {'params':>9s}")
    for name, r in res["epoch"].items():
        print(f"{name:34s} {r['cpu_seconds_per_epoch']:7.2f} {r['wall_seconds_per_epoch']:7.2f} "
              f"{r['parameters']:9d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
