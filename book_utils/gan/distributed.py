"""The GAN's custom training loop under ``tf.distribute`` (Section 7.4): several replicas, one model.

Data parallelism: each of R replicas holds a copy of both networks and of their Adam optimisers,
takes its share of every global batch (B / R images and noise vectors), computes its gradients,
and an all-reduce adds the replicas' gradients before every copy applies the same update, so the
copies never drift apart. Two strategies, one step:

- ``tf.distribute.MirroredStrategy``: R devices of one machine (GPUs; here two *logical* CPU
  devices carved out of the one physical CPU by :func:`logical_cpus`);
- ``tf.distribute.MultiWorkerMirroredStrategy``: one process per machine, each told the cluster
  by the ``TF_CONFIG`` environment variable; here two workers on 127.0.0.1 (:func:`run_multiworker`).

Four rules make R replicas train exactly the model one device would train with batch B:

1. every variable, the optimisers' too, is created inside ``strategy.scope()`` before the first
   step (the book's :class:`~book_utils.gan.training.GAN` builds both Adams in its constructor);
2. each replica scales its per-example losses by the *global* batch,
   ``tf.nn.compute_average_loss(per_example, global_batch_size=B)``, so that the all-reduce's
   sum of gradients is the gradient of the mean over B (Keras' optimiser adds the replicas'
   gradients in ``apply_gradients``);
3. the randomness is part of the data: the noise z for the whole global batch is drawn on the
   host and split with the images, so replica r sees what rows r B/R .. (r + 1) B/R of one
   device would see;
4. no layer may mix the examples of a batch (batch normalisation, the minibatch-std feature),
   or each replica would mix only its own share; dropout must be off, since each replica would
   draw its own masks. The book's MLP pair for small images (:func:`distributed_config`) obeys this.

Keras 3's ``Model.fit`` fails under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585);
the custom loop here works.

Command line (each writes a JSON report atomically, and exits with 1 when the replicated weights or
losses differ from one device's by more than :data:`TOLERANCE`)::

    python -m book_utils.gan.distributed mirrored --steps 20 --out mirrored.json
    python -m book_utils.gan.distributed multiworker --steps 20 --out multiworker.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from book_utils.notebook import TF_IMPORT_NOISE, filtered_stderr  # noqa: E402

with filtered_stderr(TF_IMPORT_NOISE):     # TensorFlow's start-up lines that ignore the log level
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

from book_utils.gan.config import GANConfig, recipe  # noqa: E402
from book_utils.gan.training import GAN  # noqa: E402
from book_utils.runs.files import save_json  # noqa: E402

#: The largest |difference| allowed between a replica's weights and one device's after the check's
#: steps: a tenth of one Adam step of the discriminator (lr 1e-3). Not zero, because float32 sums
#: taken in another order round differently: one device adds the B per-example gradients in one
#: pass, R replicas add B / R each and the all-reduce adds the R partial sums. The check is for a
#: few dozen steps: the tiny differences stay tiny until some LeakyReLU input lies within rounding
#: of 0 and the two runs take different sides of the kink (a gradient jump, not a rounding error);
#: from then on they are two slightly different, equally valid trainings (with the digits recipe
#: and batch 64 after a few dozen steps; ``max_weight_difference_per_step`` in the report shows when).
TOLERANCE = 1e-4
STEPS = 20
GLOBAL_BATCH = 64
WORKER_TIMEOUT_S = 600


# -- devices, configuration, data ---------------------------------------------------------------
def logical_cpus(n: int = 2) -> list[str]:
    """Split the one physical CPU into ``n`` logical devices; returns their names.

    Must run before TensorFlow initialises its devices (before the first tensor is made), so
    call it first thing in a fresh process."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError as err:
        names = [d.name for d in tf.config.list_logical_devices("CPU")]
        if len(names) == n:       # already split this way
            return names
        raise RuntimeError(f"TensorFlow is already initialised with {len(names)} CPU device(s), so the CPU "
                           f"can no longer be split into {n}: call logical_cpus() first thing in a fresh "
                           "process (e.g. python -m book_utils.gan.distributed mirrored)") from err
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def per_replica_batch(global_batch: int, replicas: int) -> int:
    """B / R, the examples each replica takes from a global batch B; raises when R does not divide B."""
    if replicas < 1:
        raise ValueError(f"need at least one replica, got {replicas}")
    if global_batch < 1 or global_batch % replicas:
        lower = max(replicas, global_batch - global_batch % replicas)
        raise ValueError(f"the global batch {global_batch} does not split evenly over {replicas} replicas: "
                         f"choose a multiple of {replicas} (e.g. {lower} or {lower + replicas})")
    return global_batch // replicas


def distributed_config(global_batch: int = GLOBAL_BATCH, seed: int = 0, **overrides) -> GANConfig:
    """The book's recipe for 8 x 8 digits (MLP pair, R1, EMA) for a replicated run: unconditional
    (``clusters=0``), a plain ``tf.function`` step (no XLA), ``global_batch`` images per step."""
    options = dict(recipe((8, 8)), clusters=0, jit_compile=False, batch_size=global_batch, seed=seed)
    options.update(overrides)
    config = GANConfig(**options)
    check_replicable(config)
    return config


def check_replicable(config: GANConfig) -> None:
    """Raise when a replica's step would differ from one device's share of it (rule 4 above)."""
    if config.arch != "mlp":
        raise ValueError("the DCGAN generator's batch normalisation computes its statistics per replica, "
                         "so replicas would not train the one-device model: use arch='mlp' here (on real "
                         "GPUs, SyncBatchNormalization shares the statistics)")
    if config.dropout or config.mbstd or config.augment != "none":
        raise ValueError("dropout, the minibatch-std feature and augmentation make a replica's step "
                         "depend on its own random draws or its share of the batch: set dropout=0, "
                         "mbstd=False, augment='none'")
    if config.clusters:
        raise ValueError("the replicated step here is unconditional: set clusters=0")


def training_images(dataset: str = "digits") -> np.ndarray:
    """The training images N x H x W x 1 in [-1, 1] (the book's protocol split)."""
    from book_utils.data import load

    return np.asarray(load(dataset, view="signed").x_train, np.float32)[..., None]


def global_batches(images: np.ndarray, batch_size: int, steps: int, latent_dim: int, seed: int = 0):
    """``steps`` global batches {"images": B x H x W x 1, "noise": B x latent_dim}, as NumPy arrays.

    Epoch e visits the images in the order of :func:`book_utils.gan.training.make_dataset`
    (a permutation seeded by (seed, e), last partial batch dropped); the noise comes from its
    own seeded stream, so every process that calls this gets the same batches."""
    if len(images) < batch_size:
        raise ValueError(f"the batch size {batch_size} is larger than the {len(images)} training images")
    noise = np.random.default_rng([seed, 7919])
    made, epoch = 0, 0
    while made < steps:
        order = np.random.default_rng([seed, epoch]).permutation(len(images))
        for start in range(0, len(images) - batch_size + 1, batch_size):
            if made == steps:
                return
            yield {"images": images[order[start:start + batch_size]],
                   "noise": noise.standard_normal((batch_size, latent_dim)).astype(np.float32)}
            made += 1
        epoch += 1


# -- the replicated step ------------------------------------------------------------------------
def per_example_losses(config: GANConfig, real_output, fake_output):
    """(generator, discriminator) losses per example, B each, from the logits B x 1; their means are
    :mod:`book_utils.gan.losses`' ``generator_loss`` and ``discriminator_loss`` (or the hinge pair)."""
    real, fake = real_output[:, 0], fake_output[:, 0]
    if config.loss == "hinge":
        return -fake, tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)
    bce = tf.nn.sigmoid_cross_entropy_with_logits
    return (bce(labels=tf.ones_like(fake), logits=fake),
            bce(labels=tf.fill(tf.shape(real), 1.0 - config.label_smoothing), logits=real)
            + bce(labels=tf.zeros_like(fake), logits=fake))


def per_example_r1(discriminator, images):
    """||grad_x l(x)||^2 per real image, B (Mescheder et al., 2018); the mean is losses.r1_penalty."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = discriminator(images, training=True)
    return tf.reduce_sum(tf.square(tape.gradient(logits, images)), axis=[1, 2, 3])


class ReplicatedGAN:
    """The book's :class:`GAN`, built in ``strategy``'s scope, and its step run on every replica.

    ``strategy=None`` is one device (TensorFlow's default strategy): the reference the replicated
    run must match."""

    def __init__(self, config: GANConfig, strategy: tf.distribute.Strategy | None = None):
        check_replicable(config)
        self.config = config
        self.strategy = strategy or tf.distribute.get_strategy()
        self.replicas = self.strategy.num_replicas_in_sync
        self.local_batch = per_replica_batch(config.batch_size, self.replicas)
        keras.utils.set_random_seed(config.seed)          # the same initial weights in every process
        with self.strategy.scope():                       # rule 1: every variable, the Adams' too
            self.gan = GAN(config)                        # (its constructor builds both optimisers)
        self.step = tf.function(self._step)

    def optimizer_variables(self) -> list:
        """Both Adams' variables (moments and iteration counters): they exist before the first step."""
        return [*self.gan.generator_optimizer.variables, *self.gan.discriminator_optimizer.variables]

    def _replica_step(self, batch):
        """One replica's share of a step: its B / R images and noise vectors."""
        c, gan = self.config, self.gan
        images, noise = batch["images"], batch["noise"]
        b = c.batch_size                                  # rule 2: scale by the global batch
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = gan.generator(noise, training=True)
            real_output = gan.discriminator(images, training=True)
            fake_output = gan.discriminator(generated, training=True)
            gen_each, disc_each = per_example_losses(c, real_output, fake_output)
            gen_loss = tf.nn.compute_average_loss(gen_each, global_batch_size=b)
            disc_loss = tf.nn.compute_average_loss(disc_each, global_batch_size=b)
            total_disc_loss = disc_loss
            if c.r1_gamma > 0:
                r1_each = per_example_r1(gan.discriminator, images)
                r1 = tf.nn.compute_average_loss(r1_each, global_batch_size=b)
                total_disc_loss += 0.5 * c.r1_gamma * r1
        g, d = gan.generator.trainable_variables, gan.discriminator.trainable_variables
        # apply_gradients sums the replicas' gradients (an all-reduce) before the Adam update
        gan.generator_optimizer.apply_gradients(zip(gen_tape.gradient(gen_loss, g), g))
        gan.discriminator_optimizer.apply_gradients(zip(disc_tape.gradient(total_disc_loss, d), d))
        return {"gen_loss": gen_loss, "disc_loss": disc_loss}

    def _step(self, batch):
        per_replica = self.strategy.run(self._replica_step, args=(batch,))
        out = {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)   # the global means
               for k, v in per_replica.items()}
        if self.config.ema_decay > 0:                     # in cross-replica context: every copy
            self.gan.update_ema()
        return out

    def distribute(self, batch: dict) -> dict:
        """A global batch of NumPy arrays -> the per-replica values ``step`` takes (rule 3: replica r
        gets rows r B/R .. (r + 1) B/R, whichever worker it lives on)."""
        n = self.local_batch

        def share(context):
            r = context.replica_id_in_sync_group
            return {k: tf.constant(v[r * n:(r + 1) * n]) for k, v in batch.items()}

        return self.strategy.experimental_distribute_values_from_function(share)

    def timed_step(self, batch: dict) -> tuple[dict, float]:
        """One step on a global batch of NumPy arrays; returns (its two losses, its wall seconds)."""
        start = time.perf_counter()
        out = {k: float(v) for k, v in self.step(self.distribute(batch)).items()}   # float() waits
        return out, time.perf_counter() - start

    def train(self, batches) -> tuple[list[dict], dict]:
        """Run one step per global batch; returns (losses per step, timings in seconds)."""
        history, seconds = [], []
        for batch in batches:
            out, took = self.timed_step(batch)
            history.append(out)
            seconds.append(took)
        return history, timings(seconds)

    def weights(self) -> dict[str, np.ndarray]:
        """Every weight of the generator, the discriminator and the EMA generator, by name."""
        gan = self.gan
        return {f"{m.name}/{i}/{v.path}": np.asarray(v.numpy())
                for m in (gan.generator, gan.discriminator, gan.ema_generator)
                for i, v in enumerate(m.weights)}


def timings(seconds: list[float]) -> dict:
    """Per-step wall seconds -> {"total", "first_step" (it traces the step), "per_step" (mean of others)}."""
    return {"total": float(sum(seconds)), "first_step": seconds[0] if seconds else None,
            "per_step": float(np.mean(seconds[1:])) if len(seconds) > 1 else None}


def max_difference(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """The largest |a - b| over all weights of two runs (the same names)."""
    if a.keys() != b.keys():
        raise ValueError("the two runs have different weights: " + ", ".join(sorted(a.keys() ^ b.keys())))
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def max_loss_difference(a: list[dict], b: list[dict]) -> float:
    """The largest |difference| of any loss at any step between two runs of the same steps."""
    if len(a) != len(b):
        raise ValueError(f"the runs have {len(a)} and {len(b)} steps")
    return max(abs(x[k] - y[k]) for x, y in zip(a, b) for k in x)


def run_training(config: GANConfig, steps: int, strategy=None, images=None):
    """Train ``steps`` steps from the seeded start; returns (trainer, losses per step, timings)."""
    images = training_images() if images is None else images
    trainer = ReplicatedGAN(config, strategy)
    history, seconds = trainer.train(global_batches(images, config.batch_size, steps, config.latent_dim,
                                                    config.seed))
    return trainer, history, seconds


# -- the two checks -------------------------------------------------------------------------------
def run_mirrored(steps: int = STEPS, global_batch: int = GLOBAL_BATCH, replicas: int = 2,
                 seed: int = 0) -> dict:
    """MirroredStrategy over ``replicas`` logical CPUs against one device, from the same start and
    batches. Call in a fresh process (it splits the CPU first)."""
    per_replica_batch(global_batch, replicas)
    devices = logical_cpus(replicas)
    config = distributed_config(global_batch, seed)
    images = training_images()
    strategy = tf.distribute.MirroredStrategy(devices)
    mirrored = ReplicatedGAN(config, strategy)
    built = mirrored.optimizer_variables()
    optimizer_before = {"count": len(built),   # each a MirroredVariable: one copy per device
                        "type": type(getattr(built[0], "value", built[0])).__name__ if built else None}
    single = ReplicatedGAN(config)
    # the two runs take turns, step by step, so the load on the machine is the same for both
    losses_distributed, losses_single, seconds_distributed, seconds_single, drift = [], [], [], [], []
    for batch in global_batches(images, global_batch, steps, config.latent_dim, seed):
        for trainer, losses, seconds in ((mirrored, losses_distributed, seconds_distributed),
                                         (single, losses_single, seconds_single)):
            out, took = trainer.timed_step(batch)
            losses.append(out)
            seconds.append(took)
        drift.append(max_difference(mirrored.weights(), single.weights()))
    return report("mirrored", mirrored.replicas, mirrored.local_batch, global_batch, mirrored.weights(),
                  single.weights(), losses_distributed, losses_single, timings(seconds_distributed),
                  timings(seconds_single), steps, devices=devices,
                  optimizer_variables_before_first_step=optimizer_before,
                  max_weight_difference_per_step=drift)


def report(mode: str, replicas: int, local_batch: int, global_batch: int, weights_distributed: dict,
           weights_single: dict, losses_distributed: list, losses_single: list, seconds_distributed: dict,
           seconds_single: dict, steps: int, **extra) -> dict:
    """The JSON report of a replicated run against one device."""
    diff = max_difference(weights_distributed, weights_single)
    loss_diff = max_loss_difference(losses_distributed, losses_single)
    return {"mode": mode, "replicas": replicas, "steps": steps, "global_batch": global_batch,
            "per_replica_batch": local_batch, "tolerance": TOLERANCE,
            "max_weight_difference": diff, "max_loss_difference": loss_diff,
            "equal_within_tolerance": bool(diff <= TOLERANCE and loss_diff <= TOLERANCE),
            "losses_distributed": losses_distributed, "losses_single": losses_single,
            "seconds": {"distributed": seconds_distributed["total"], "single": seconds_single["total"]},
            "seconds_per_step": {"distributed": seconds_distributed["per_step"],
                                 "single": seconds_single["per_step"]},
            "weights": int(sum(w.size for w in weights_single.values())), **extra}


def free_ports(n: int) -> list[int]:
    """``n`` TCP ports on 127.0.0.1 that nothing listens on right now."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> str:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of workers on 127.0.0.1:``ports``."""
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def run_worker(folder: Path, steps: int, global_batch: int, seed: int) -> None:
    """One worker of a MultiWorkerMirroredStrategy run (its ``TF_CONFIG`` set by the launcher):
    trains and writes its weights, losses and timings into ``folder``."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()   # first, before any other TensorFlow work
    config = distributed_config(global_batch, seed)
    trainer, history, seconds = run_training(config, steps, strategy)
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    np.savez(folder / f"worker{index}.npz", **trainer.weights())
    save_json(folder / f"worker{index}.json", {"losses": history, "seconds": seconds,
                                               "replicas": trainer.replicas,
                                               "optimizer_variables": len(trainer.optimizer_variables())})


def _launch_workers(folder: Path, workers: int, worker_args: list[str], timeout: float) -> float:
    """Start ``workers`` worker processes on fresh loopback ports and wait for all; returns the wall
    seconds. When one fails the others are stopped (they would wait for it) and its log is raised."""
    ports = free_ports(workers)
    procs, logs = [], []
    start = time.perf_counter()
    for i in range(workers):
        env = dict(os.environ, TF_CONFIG=tf_config(ports, i), TF_CPP_MIN_LOG_LEVEL="2")
        logs.append(open(folder / f"worker{i}.log", "wb"))
        procs.append(subprocess.Popen([sys.executable, "-m", "book_utils.gan.distributed", "worker",
                                       "--folder", str(folder), *worker_args],
                                      env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
    failed = []
    try:
        while any(p.poll() is None for p in procs) and not failed:
            failed = [(i, p.returncode) for i, p in enumerate(procs) if p.poll() not in (None, 0)]
            if time.perf_counter() - start > timeout:
                failed = [(i, f"no answer after {timeout:.0f} s") for i, p in enumerate(procs)
                          if p.poll() is None]
            time.sleep(0.1)
        failed = failed or [(i, p.returncode) for i, p in enumerate(procs) if p.returncode != 0]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for log in logs:
            log.close()
    if failed:
        tails = "\n".join(f"--- worker {i} ({why}):\n"
                          + (folder / f"worker{i}.log").read_text(errors="replace")[-3000:]
                          for i, why in failed)
        raise RuntimeError(f"multi-worker training failed:\n{tails}")
    return time.perf_counter() - start


def run_multiworker(steps: int = STEPS, global_batch: int = GLOBAL_BATCH, workers: int = 2, seed: int = 0,
                    timeout: float = WORKER_TIMEOUT_S) -> dict:
    """Launch ``workers`` processes on 127.0.0.1 (MultiWorkerMirroredStrategy, ``TF_CONFIG``), then
    train one device here from the same start and batches, and compare."""
    local_batch = per_replica_batch(global_batch, workers)
    worker_args = ["--steps", str(steps), "--global-batch", str(global_batch), "--seed", str(seed)]
    with tempfile.TemporaryDirectory(prefix="gan_multiworker_") as tmp:
        folder = Path(tmp)
        try:
            wall = _launch_workers(folder, workers, worker_args, timeout)
        except RuntimeError as err:       # a port taken between choosing it and binding it: once more
            if "address already in use" not in str(err).lower():
                raise
            wall = _launch_workers(folder, workers, worker_args, timeout)
        results = [json.loads((folder / f"worker{i}.json").read_text()) for i in range(workers)]
        worker_weights = []
        for i in range(workers):
            with np.load(folder / f"worker{i}.npz") as npz:
                worker_weights.append({k: npz[k] for k in npz.files})

    config = distributed_config(global_batch, seed)
    single, losses_single, seconds_single = run_training(config, steps)
    between = max(max_difference(worker_weights[0], w) for w in worker_weights[1:])
    out = report("multiworker", results[0]["replicas"], local_batch, global_batch, worker_weights[0],
                 single.weights(), results[0]["losses"], losses_single, results[0]["seconds"],
                 seconds_single, steps,
                 workers=workers, max_weight_difference_between_workers=between,
                 losses_per_worker=[r["losses"] for r in results], seconds_workers_wall=wall,
                 optimizer_variables_before_first_step=results[0]["optimizer_variables"])
    out["equal_within_tolerance"] = bool(out["equal_within_tolerance"] and between == 0.0)
    return out


# -- command line ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m book_utils.gan.distributed",
        description="Train the book's GAN on several replicas with tf.distribute; compare with one device.")
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode, text in (("mirrored", "MirroredStrategy over logical CPU devices of this process"),
                       ("multiworker", "MultiWorkerMirroredStrategy, workers on 127.0.0.1 (launched here)")):
        p = sub.add_parser(mode, help=text)
        p.add_argument("--steps", type=int, default=STEPS)
        p.add_argument("--global-batch", type=int, default=GLOBAL_BATCH)
        p.add_argument("--replicas" if mode == "mirrored" else "--workers", type=int, default=2)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--out", type=Path, required=True, help="the JSON report to write")
    w = sub.add_parser("worker", help="one worker of a multiworker run (started by 'multiworker')")
    w.add_argument("--folder", type=Path, required=True)
    w.add_argument("--steps", type=int, required=True)
    w.add_argument("--global-batch", type=int, required=True)
    w.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.mode == "worker":
        run_worker(args.folder, args.steps, args.global_batch, args.seed)
        return 0
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    replicas = args.replicas if args.mode == "mirrored" else args.workers
    try:
        per_replica_batch(args.global_batch, replicas)
    except ValueError as err:
        parser.error(str(err))
    if args.mode == "mirrored":
        result = run_mirrored(args.steps, args.global_batch, args.replicas, args.seed)
    else:
        result = run_multiworker(args.steps, args.global_batch, args.workers, args.seed)
    save_json(args.out, result)
    verdict = ("equal to one device within the tolerance" if result["equal_within_tolerance"] else
               "NOT equal to one device within the tolerance"
               + (" (see max_weight_difference_per_step)" if args.mode == "mirrored" else ""))
    print(f"{args.mode}: {result['replicas']} replicas x {result['per_replica_batch']} images, "
          f"{result['steps']} steps; max weight difference from one device "
          f"{result['max_weight_difference']:.2e} (tolerance {result['tolerance']:.0e}): {verdict}; "
          f"{result['seconds']['distributed']:.1f} s replicated, "
          f"{result['seconds']['single']:.1f} s one device; wrote {args.out}")
    return 0 if result["equal_within_tolerance"] else 1


if __name__ == "__main__":
    sys.exit(main())
