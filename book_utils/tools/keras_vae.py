"""Section 5.2's VAE written the Keras 3 way (Section 7.1): one model, two backends.

The architecture, initialisation, data split and recipe are 5.2's (``book_utils.vae``): a Gaussian
encoder and a Bernoulli decoder, MLPs with ELU (256-256 hidden, 8 latent for 8 x 8 digits), Adam with
a cosine learning-rate decay, KL warm-up, per-epoch soft binarization, and the epoch with the best
validation bound kept (Kingma & Welling 2014; Bowman et al. 2016 for the warm-up).

    KerasVAE     ``keras.Model``: ``call`` x (B, D) -> (logits (B, D), mu (B, L), logvar (B, L)) and
                 ``compute_loss`` (-ELBO, nats per image). Only ``keras.ops``: Keras's own
                 ``train_step`` of every backend calls it, so the same class trains on TensorFlow
                 and, with ``KERAS_BACKEND=torch``, on PyTorch.
    TFStepVAE    the same model with its own ``train_step`` / ``test_step`` (``tf.GradientTape``):
                 the classic Keras way, TensorFlow backend only.
    SoftBinarizedBatches  ``keras.utils.PyDataset`` of NumPy batches (any backend).
    write_tfrecord, tf_dataset   the ``tf.data`` pipeline from a TFRecord file (TensorFlow only).
    fit_vae, negative_elbo       ``fit`` with callbacks; the test bound of 5.2's ``negative_elbo``.

Command line (the JSON is written atomically)::

    python -m book_utils.tools.keras_vae --epochs 60 --out result.json     # backend: $KERAS_BACKEND
    python -m book_utils.tools.keras_vae --bench                           # both backends -> results JSON

This module imports Keras (hence its backend) and NumPy; TensorFlow itself only inside the
functions that need it, and never PyTorch (Keras imports it when the backend is torch).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from book_utils.bench.machine import code_lines, machine  # noqa: E402
from book_utils.data import binarize, load  # noqa: E402
from book_utils.runs.files import save_json  # noqa: E402
from book_utils.vae.config import VAEConfig  # noqa: E402

VAL_SEED = 0            # the validation split of book_utils.vae.data.load_vae_data
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results" / "tools_keras.json"


# ----------------------------------------------------------------------------------------- model

def torch_like_dense(n_in: int, n_out: int, seed: int, activation=None, name=None) -> keras.layers.Dense:
    """Dense(n_in -> n_out) initialised as PyTorch's ``nn.Linear``: weights and biases
    ~ U(-1/sqrt(n_in), 1/sqrt(n_in)) (Keras's default is Glorot-uniform weights, zero biases).
    Seeded initialisers: no global seed needed (on TensorFlow, seeding Keras globally imports it)."""
    bound = 1.0 / math.sqrt(n_in)
    uniform = lambda s: keras.initializers.RandomUniform(-bound, bound, seed=s)  # noqa: E731
    return keras.layers.Dense(n_out, activation=activation, name=name,
                              kernel_initializer=uniform(2 * seed), bias_initializer=uniform(2 * seed + 1))


def mlp(sizes: list[int], seed: int, last_activation: str | None = None, name: str | None = None
        ) -> keras.Sequential:
    """Dense layers of the given sizes, ELU between them (and after the last if asked)."""
    layers = [keras.Input((sizes[0],))]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        last = i == len(sizes) - 2
        layers.append(torch_like_dense(n_in, n_out, seed + i, last_activation if last else "elu"))
    return keras.Sequential(layers, name=name)


@keras.saving.register_keras_serializable(package="book_utils")
class KerasVAE(keras.Model):
    """q(z|x) = N(mu, diag(exp(logvar))), p(z) = N(0, I), p(x|z) Bernoulli(sigmoid(logits)).

    x (B, D) binary -> (logits (B, D), mu (B, L), logvar (B, L)); ``beta`` (a non-trainable
    variable) weights the KL term during warm-up. Logged metrics, nats per image: ``reconstruction``,
    ``kl``, ``neg_elbo`` (beta = 1), and Keras's ``loss`` (the beta-weighted objective).
    """

    def __init__(self, image_shape=(8, 8), latent_dim: int = 8, hidden=(256, 256), seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed)
        s = 100 * self.seed                                       # each layer its own initialiser seed
        self.image_shape = tuple(int(s) for s in image_shape)
        self.data_dim = self.image_shape[0] * self.image_shape[1]
        self.latent_dim, self.hidden = int(latent_dim), tuple(int(h) for h in hidden)
        self.body = mlp([self.data_dim, *self.hidden], s, last_activation="elu", name="encoder")
        self.to_mu = torch_like_dense(self.hidden[-1], self.latent_dim, s + 10, name="to_mu")
        self.to_logvar = torch_like_dense(self.hidden[-1], self.latent_dim, s + 11, name="to_logvar")
        self.decoder = mlp([self.latent_dim, *self.hidden[::-1], self.data_dim], s + 20, name="decoder")
        self.beta = keras.Variable(1.0, trainable=False, name="beta")
        self.noise = keras.random.SeedGenerator(self.seed)        # the reparameterization's eps
        self.trackers = {name: keras.metrics.Mean(name) for name in ("reconstruction", "kl", "neg_elbo")}
        self.build((None, self.data_dim))

    def build(self, input_shape):
        hidden = (None, self.hidden[-1])
        for layer, shape in ((self.body, input_shape), (self.to_mu, hidden), (self.to_logvar, hidden),
                             (self.decoder, (None, self.latent_dim))):
            layer.build(shape)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape),
                "latent_dim": self.latent_dim, "hidden": list(self.hidden), "seed": self.seed}

    def encode(self, x):
        """x (B, D) -> mu (B, L), logvar (B, L)."""
        h = self.body(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        """z (B, L) -> Bernoulli logits (B, D)."""
        return self.decoder(z)

    def call(self, x, training=False):
        mu, logvar = self.encode(x)
        z = mu + ops.exp(0.5 * logvar) * keras.random.normal(ops.shape(mu), seed=self.noise)
        return self.decode(z), mu, logvar

    def loss_terms(self, x, y_pred):
        """(reconstruction, KL), each averaged over the batch: nats per image."""
        logits, mu, logvar = y_pred
        reconstruction = ops.mean(ops.sum(ops.softplus(logits) - x * logits, axis=1))   # Bernoulli NLL
        kl = ops.mean(0.5 * ops.sum(ops.exp(logvar) + ops.square(mu) - 1.0 - logvar, axis=1))
        for name, value in zip(self.trackers, (reconstruction, kl, reconstruction + kl), strict=True):
            self.trackers[name].update_state(value)
        return reconstruction, kl

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The objective Keras's ``train_step`` minimises: reconstruction + beta * KL (nats per image)."""
        reconstruction, kl = self.loss_terms(x, y_pred)
        return reconstruction + self.beta * kl


@keras.saving.register_keras_serializable(package="book_utils")
class TFStepVAE(KerasVAE):
    """``KerasVAE`` with its own training and evaluation steps, written for TensorFlow."""

    def train_step(self, data):
        import tensorflow as tf

        x = keras.utils.unpack_x_y_sample_weight(data)[0]          # fit passes x, or (x, y, weights)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(x, self(x, training=True))   # updates the trackers
            loss = reconstruction + self.beta * kl
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(gradients, self.trainable_weights)
        return self.results(loss)

    def test_step(self, data):
        x = keras.utils.unpack_x_y_sample_weight(data)[0]
        reconstruction, kl = self.loss_terms(x, self(x, training=False))
        return self.results(reconstruction + self.beta * kl)

    def results(self, loss) -> dict:
        """Every metric's running mean over the epoch, Keras's ``loss`` metric updated with ``loss``."""
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return {metric.name: metric.result() for metric in self.metrics}


def trainable_parameters(model) -> int:
    """Number of trainable numbers (``count_params`` would also count ``beta``)."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


# ------------------------------------------------------------------------------------------ data

def load_split(dataset: str = "digits", val_fraction: float = 0.1) -> dict:
    """5.2's data as NumPy float32 (N, D): ``train_grey`` grey levels, binary ``val`` (carved from
    TRAIN exactly as ``book_utils.vae.data.load_vae_data``) and ``test`` (pixel >= max / 2)."""
    ds = load(dataset, view="raw")
    order = np.random.default_rng(VAL_SEED).permutation(len(ds.x_train))
    n_val = max(1, int(round(val_fraction * len(order))))
    flat = lambda a: a.reshape(len(a), -1).astype(np.float32)  # noqa: E731
    return {"name": ds.name, "image_shape": tuple(ds.image_shape), "max_value": int(ds.max_value),
            "train_grey": flat(ds.x_train[order[n_val:]]),
            "val": flat(binarize(ds.x_train[order[:n_val]], ds.max_value)),
            "test": flat(binarize(ds.x_test, ds.max_value)), "y_test": ds.y_test}


def soft_threshold(max_value: int) -> float:
    """Grey level halfway between the protocol's last "off" and first "on" level (7.5 for 0..16)."""
    return math.ceil(max_value / 2) - 0.5


class SoftBinarizedBatches(keras.utils.PyDataset):
    """Batches (B, D) of training images, binarized afresh every epoch (5.2's ``soft`` augmentation:
    pixel ~ Bernoulli(sigmoid((grey - c) / softness))) and reshuffled; the last batch may be short."""

    def __init__(self, grey: np.ndarray, max_value: int, batch_size: int, seed: int = 0,
                 softness: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.grey, self.batch_size = grey, batch_size
        self.p_on = 1.0 / (1.0 + np.exp(-(grey - soft_threshold(max_value)) / softness))
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def on_epoch_end(self):
        order = self.rng.permutation(len(self.grey))
        self.images = (self.rng.random(self.grey.shape) < self.p_on[order]).astype(np.float32)

    def __len__(self):
        return math.ceil(len(self.grey) / self.batch_size)

    def __getitem__(self, i):
        return self.images[i * self.batch_size:(i + 1) * self.batch_size]


def write_tfrecord(grey: np.ndarray, path) -> Path:
    """One ``tf.train.Example`` per image (its grey levels as uint8 bytes) in a TFRecord file."""
    import tensorflow as tf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for image in np.asarray(grey, dtype=np.uint8):
            feature = {"pixels": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return path


def tf_dataset(path, n_images: int, max_value: int, batch_size: int, seed: int = 0, softness: float = 1.0,
               cache: bool = True, prefetch: bool = True):
    """The ``tf.data`` pipeline: read and parse the TFRecord file, ``cache`` the parsed grey levels,
    shuffle, batch, binarize each batch afresh (a ``tf.random.Generator``, so every epoch differs),
    ``prefetch`` the next batch while the model trains on this one. Yields x (B, D) float32."""
    import tensorflow as tf

    spec = {"pixels": tf.io.FixedLenFeature([], tf.string)}
    noise = tf.random.Generator.from_seed(seed)
    centre = soft_threshold(max_value)

    def parse(record):
        pixels = tf.io.decode_raw(tf.io.parse_single_example(record, spec)["pixels"], tf.uint8)
        return tf.cast(pixels, tf.float32)

    def binarize_batch(grey):
        p_on = tf.sigmoid((grey - centre) / softness)
        return tf.cast(noise.uniform(tf.shape(grey)) < p_on, tf.float32)

    ds = tf.data.TFRecordDataset(str(path)).map(parse)
    ds = ds.apply(tf.data.experimental.assert_cardinality(n_images))   # so fit knows the epoch's length
    if cache:
        ds = ds.cache()                       # in memory: the file is read and parsed once
    ds = ds.shuffle(n_images, seed=seed, reshuffle_each_iteration=True).batch(batch_size).map(binarize_batch)
    return ds.prefetch(tf.data.AUTOTUNE) if prefetch else ds


# -------------------------------------------------------------------------------------- training

def kl_weight(epoch: int, warmup_epochs: int) -> float:
    """beta for (0-based) ``epoch``: linear warm-up to 1 (5.2's ``kl_weight``)."""
    return 1.0 if warmup_epochs <= 0 else min(1.0, (epoch + 1) / warmup_epochs)


class KLWarmup(keras.callbacks.Callback):
    """Sets the model's ``beta`` at the start of every epoch."""

    def __init__(self, warmup_epochs: int):
        super().__init__()
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta.assign(kl_weight(epoch, self.warmup_epochs))


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch (training and validation), in ``self.seconds``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


class EventLog(keras.callbacks.Callback):
    """Every epoch's logs as TensorBoard scalars ``epoch_<name>`` in ``log_dir/train`` and
    ``log_dir/validation`` (the layout of ``keras.callbacks.TensorBoard``). Written with TensorFlow's
    own ``tf.summary.write``, so the ``tensorboard`` package (which Keras's callback needs) is not."""

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = Path(log_dir)

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        self.writers = {split: tf.summary.create_file_writer(str(self.log_dir / split))
                        for split in ("train", "validation")}
        self.metadata = tf.compat.v1.SummaryMetadata(
            plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name="scalars"))

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        for name, value in (logs or {}).items():
            split, name = ("validation", name[4:]) if name.startswith("val_") else ("train", name)
            with self.writers[split].as_default():
                tf.summary.write(f"epoch_{name}", tf.constant(float(value)), step=epoch,
                                 metadata=self.metadata)

    def on_train_end(self, logs=None):
        for writer in self.writers.values():
            writer.close()


def fit_vae(model: KerasVAE, train, val: np.ndarray, epochs: int, steps_per_epoch: int,
            config: VAEConfig | None = None, log_dir=None, checkpoint=None):
    """Compile with 5.2's optimiser (Adam, cosine decay of ``config.lr`` to 0) and ``fit``.

    ``train`` is a ``tf.data.Dataset`` or a ``keras.utils.PyDataset`` of ``steps_per_epoch`` batches
    (it sets the learning-rate schedule's length); ``val`` binary (N, D).
    Callbacks: KL warm-up over min(warmup_epochs, epochs // 2) epochs; EarlyStopping that keeps the
    weights of the best ``val_neg_elbo`` once beta = 1 (never stops early: patience = epochs);
    ``log_dir``: TensorBoard event files (``EventLog``, TensorFlow only); ``checkpoint``: a ``.keras``
    file of the best epoch.
    Returns (history, timer): ``timer.seconds`` per epoch.
    """
    config = config or VAEConfig()
    warmup = min(config.warmup_epochs, epochs // 2)
    schedule = keras.optimizers.schedules.CosineDecay(config.lr, decay_steps=epochs * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(schedule, epsilon=1e-8), jit_compile=False)
    timer = EpochTimer()
    keep_best = keras.callbacks.EarlyStopping("val_neg_elbo", mode="min", patience=epochs,
                                              start_from_epoch=max(warmup - 1, 0), restore_best_weights=True)
    callbacks = [KLWarmup(warmup), timer, keep_best]
    if log_dir is not None:
        callbacks.append(EventLog(log_dir))
    if checkpoint is not None:
        callbacks.append(keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_neg_elbo", mode="min",
                                                         save_best_only=True))
    # each epoch is one full pass over ``train`` (passing steps_per_epoch would make Keras keep one
    # tf.data iterator across epochs); both inputs shuffle themselves
    history = model.fit(train, validation_data=(val,), validation_batch_size=len(val), epochs=epochs,
                        shuffle=False, callbacks=callbacks, verbose=0)
    return history, timer


def kept_epoch(history, epochs: int, config: VAEConfig | None = None) -> int:
    """The (1-based) epoch whose weights ``fit_vae`` kept: the best ``val_neg_elbo`` once beta = 1."""
    config = config or VAEConfig()
    first = max(min(config.warmup_epochs, epochs // 2) - 1, 0)
    return int(np.argmin(history.history["val_neg_elbo"][first:])) + first + 1


def negative_elbo(model: KerasVAE, x: np.ndarray, samples: int = 10, seed: int = 0) -> dict[str, float]:
    """-ELBO averaged over images and ``samples`` draws of z each (5.2's ``negative_elbo``), nats:
    reconstruction, KL, total. The noise is NumPy's, so both backends use the same draws."""
    x = np.asarray(x, dtype=np.float32)
    mu, logvar = (ops.convert_to_numpy(t).astype(np.float64) for t in model.encode(x))
    std, rng = np.exp(0.5 * logvar), np.random.default_rng(seed)
    rec = 0.0
    for _ in range(samples):
        z = (mu + std * rng.standard_normal(mu.shape)).astype(np.float32)
        logits = ops.convert_to_numpy(model.decode(z)).astype(np.float64)
        rec += (np.logaddexp(0.0, logits) - x * logits).sum(axis=1).mean() / samples
    kl = (0.5 * (np.exp(logvar) + mu ** 2 - 1.0 - logvar).sum(axis=1)).mean()
    return {"reconstruction": float(rec), "kl": float(kl), "neg_elbo": float(rec + kl)}


def train_keras_vae(epochs: int, dataset: str = "digits", seed: int = 0, config: VAEConfig | None = None,
                    log_dir=None) -> tuple[KerasVAE, dict]:
    """Train ``KerasVAE`` (the backend-agnostic class) on ``SoftBinarizedBatches`` on the current
    backend; returns (model, result) with the test bound and the seconds of every epoch."""
    config = config or VAEConfig()
    data = load_split(dataset, config.val_fraction)
    model = KerasVAE(data["image_shape"], config.latent_dim, config.hidden, seed=seed)
    train = SoftBinarizedBatches(data["train_grey"], data["max_value"], config.batch_size, seed,
                                 config.softness)
    history, timer = fit_vae(model, train, data["val"], epochs, len(train), config, log_dir=log_dir)
    return model, {
        "backend": keras.backend.backend(), "keras": keras.__version__, "dataset": data["name"],
        "epochs": epochs, "seed": seed, "seconds_per_epoch": timer.seconds,
        "best_epoch": kept_epoch(history, epochs, config),
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "test": negative_elbo(model, data["test"]), "parameters": trainable_parameters(model)}


# ------------------------------------------------------------------------------ saving, serving

def export_inference(model: KerasVAE, path) -> Path:
    """A TensorFlow SavedModel with two deterministic endpoints for serving (no Python class needed):
    ``encode(x (B, D)) -> (mu, logvar)`` and ``decode(z (B, L)) -> probabilities (B, D)``."""
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("encode", model.encode,
                         input_signature=[tf.TensorSpec([None, model.data_dim], tf.float32)])
    archive.add_endpoint("decode", lambda z: keras.ops.sigmoid(model.decode(z)),
                         input_signature=[tf.TensorSpec([None, model.latent_dim], tf.float32)])
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")                    # no "INFO: Assets written to ..." line
    try:
        archive.write_out(str(path), verbose=False)
    finally:
        logger.setLevel(level)
    return Path(path)


def read_scalars(event_dir) -> dict[str, dict[int, float]]:
    """Scalars of the TensorBoard event files in ``event_dir``: {tag: {step: value}}, read with
    TensorFlow alone (``TFRecordDataset`` + the ``Event`` protocol buffer; no ``tensorboard`` needed)."""
    import tensorflow as tf

    scalars: dict[str, dict[int, float]] = {}
    for path in sorted(Path(event_dir).glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = (float(tf.make_ndarray(value.tensor)) if value.HasField("tensor")
                          else float(value.simple_value))
                scalars.setdefault(value.tag, {})[int(event.step)] = number
    return scalars


# ---------------------------------------------------------------------------- command line, bench

def run_backend(backend: str, epochs: int, out, seed: int = 0, dataset: str = "digits",
                timeout: float = 900) -> dict:
    """Run this module's command line in a fresh Python with ``KERAS_BACKEND=backend``; its JSON.
    OpenMP threads wait passively (``OMP_WAIT_POLICY``): spinning ones slow PyTorch many times over
    on a machine whose cores are busy."""
    env = {"OMP_WAIT_POLICY": "PASSIVE", **os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, "-m", "book_utils.tools.keras_vae", "--epochs", str(epochs),
               "--seed", str(seed), "--dataset", dataset, "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"KERAS_BACKEND={backend} {' '.join(command[1:])} failed:\n{done.stderr[-2000:]}")
    return json.loads(Path(out).read_text())


def bench(epochs: int = 60, seed: int = 0, out=RESULTS) -> dict:
    """Both backends in fresh processes (same code, same epochs) -> ``out`` (the chapter's table)."""
    before, runs = machine(), {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("tensorflow", "torch"):
            runs[backend] = run_backend(backend, epochs, Path(tmp) / f"{backend}.json", seed)
    result = {
        "what": "Section 5.2's VAE written with Keras 3 (KerasVAE, fit), run on two backends",
        "command": f"python -m book_utils.tools.keras_vae --bench --epochs {epochs}",
        "dataset": runs["tensorflow"]["dataset"], "epochs": epochs, "seed": seed, "keras": keras.__version__,
        "model_and_training_lines": code_lines(torch_like_dense, mlp, KerasVAE, SoftBinarizedBatches,
                                               kl_weight, KLWarmup, fit_vae),
        "lines_counted": "torch_like_dense, mlp, KerasVAE, SoftBinarizedBatches, kl_weight, KLWarmup, "
                         "fit_vae (non-blank, non-comment lines, docstrings included)",
        "parameters": runs["tensorflow"]["parameters"],
        "seconds_per_epoch": {b: float(np.median(r["seconds_per_epoch"][1:])) for b, r in runs.items()},
        "seconds_per_epoch_note": "median wall seconds of epochs 2.. (training + validation), "
                                  "one fresh process per backend",
        "test_neg_elbo": {b: r["test"]["neg_elbo"] for b, r in runs.items()},
        "best_epoch": {b: r["best_epoch"] for b, r in runs.items()},
        "file_formats": [".keras (model: config + weights, zip)", ".weights.h5 (weights only, HDF5)",
                         "SavedModel (keras.export.ExportArchive: graph + weights, for TensorFlow Serving)",
                         ".tfrecord (tf.data input)",
                         "TensorBoard event files (events.out.tfevents.*)"],
        "machine": before, "load_average_1min_after": round(os.getloadavg()[0], 2),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
        "seconds_each_epoch": {b: r["seconds_per_epoch"] for b, r in runs.items()},
    }
    save_json(out, result)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book_utils.tools.keras_vae",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--out", help="JSON file for the result of one training (written atomically)")
    parser.add_argument("--bench", action="store_true",
                        help=f"train on both backends and write {RESULTS.name}")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.bench:
        result = bench(args.epochs, args.seed)
        print(json.dumps({k: result[k] for k in ("seconds_per_epoch", "test_neg_elbo")}))
        return 0
    if not args.out:
        parser.error("give --out result.json (or --bench)")
    _, result = train_keras_vae(args.epochs, args.dataset, args.seed)
    save_json(args.out, result)
    print(f"{result['backend']}: test -ELBO {result['test']['neg_elbo']:.2f} nats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
