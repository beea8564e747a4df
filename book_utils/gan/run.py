"""The GAN in the book's run lifecycle (:mod:`book_utils.runs.lifecycle`): plan, build, train, evaluate.

    python -m book_utils train gan --dataset digits --out runs/gan

A checkpoint folder holds ``gan.index`` and ``gan.data-*`` (a ``tf.train.Checkpoint`` of both
networks, the EMA generator, both optimizers, the noise generator's state, the epoch counter and
the cluster sizes), the fixed-noise grids drawn so far (``frames.npy``, ``frame_epochs.npy``) and,
for a cluster-conditioned GAN, each training image's k-means cluster (``clusters.npy``), so a
killed run resumes where it stopped. Besides the lifecycle's files, a finished run directory
holds ``generator.keras`` (the generator used for sampling: the EMA one when EMA is on) and
``progress.gif`` (the fixed-noise grids over training).
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from book_utils.data import DATASETS  # noqa: E402
from book_utils.data import load as load_dataset  # noqa: E402
from book_utils.gan.config import GANConfig, recipe  # noqa: E402
from book_utils.gan.models import count_params  # noqa: E402
from book_utils.gan.training import GAN, fixed_noise  # noqa: E402
from book_utils.runs import Evaluation, Plan, data_reference, data_source, load_npy, read_run, save_npy  # noqa: E402
from book_utils.runs.config import make_config, require  # noqa: E402
from book_utils.runs.lifecycle import N_SAMPLES  # noqa: E402

CHECKPOINT = "gan"           # checkpoint prefix: gan.index, gan.data-00000-of-00001
GENERATOR_FILE = "generator.keras"
GRID_SIZE = 64               # fixed-noise images per progress.gif frame


def to_unit(images) -> np.ndarray:
    """Generator output N x H x W x 1 in [-1, 1] -> float32 N x H x W in [0, 1] (what the metrics take)."""
    return (np.asarray(images, np.float32)[..., 0] + 1.0) / 2.0


class GANTrainer:
    """The :class:`GAN` of one run, its training images (and their clusters) and the progress frames."""

    def __init__(self, config: GANConfig, data):
        from book_utils.repro import seed_everything

        self.config, self.images = config, data.x_train      # N x H x W in [-1, 1]
        seed_everything(config.seed, ("tensorflow",))
        self.gan = GAN(config)
        self.labels: np.ndarray | None = None                 # k-means cluster of each training image
        self.grid_noise = fixed_noise(GRID_SIZE, config.latent_dim, seed=config.seed + 1)
        self.frames: list[np.ndarray] = []                    # fixed-noise grids, for progress.gif
        self.frame_epochs: list[int] = []

    def _grid(self) -> np.ndarray:
        from book_utils.plotting import grid_array

        return grid_array(self.gan.sample(noise=self.grid_noise)[..., 0], pad_value=-1.0)

    def train_epoch(self, epoch: int) -> dict[str, float]:
        c = self.config
        if int(self.gan.epoch) != epoch - 1:
            raise RuntimeError(f"the GAN has trained {int(self.gan.epoch)} epochs, not {epoch - 1}: "
                               f"cannot train epoch {epoch} next")
        if c.clusters and self.labels is None:                # first epoch: k-means (no TF random state)
            self.labels = self.gan.find_clusters(self.images)
        if not self.frames:
            self.frames, self.frame_epochs = [self._grid()], [0]
        losses = self.gan.train_epoch(self.images, self.labels)
        if epoch % c.gif_every == 0 or epoch == c.epochs:
            self.frames.append(self._grid())
            self.frame_epochs.append(epoch)
        return losses

    def save(self, folder: Path) -> None:
        save_npy(folder / "frames.npy", np.stack(self.frames))
        save_npy(folder / "frame_epochs.npy", np.asarray(self.frame_epochs, np.int64))
        if self.labels is not None:
            save_npy(folder / "clusters.npy", self.labels)
        self.gan.checkpoint().write(str(folder / CHECKPOINT))

    def restore(self, folder: Path) -> None:
        frames, frame_epochs = load_npy(folder / "frames.npy"), load_npy(folder / "frame_epochs.npy")
        labels = None
        if self.config.clusters:
            labels = load_npy(folder / "clusters.npy")
            if labels.shape != (len(self.images),):
                raise ValueError(f"{folder / 'clusters.npy'} holds {labels.shape} cluster indices for "
                                 f"{len(self.images)} training images")
        self.gan.checkpoint().read(str(folder / CHECKPOINT)).assert_existing_objects_matched()
        if len(frames) != len(frame_epochs) or frame_epochs[-1] > int(self.gan.epoch):
            raise ValueError(f"{folder}: the progress frames do not belong to this checkpoint")
        self.frames, self.frame_epochs, self.labels = list(frames), [int(e) for e in frame_epochs], labels

    def trained_model(self) -> GAN:
        """The whole GAN (both networks, the EMA generator, the optimizers): to sample, inspect, compare."""
        return self.gan

    def evaluate(self) -> Evaluation:
        gan = self.gan
        samples = to_unit(gan.sample(N_SAMPLES, seed=self.config.seed + 2))
        return Evaluation(samples=samples, parameters=count_params(gan.generator),
                          details={"discriminator_params": count_params(gan.discriminator),
                                   "sampling_generator": "ema" if self.config.ema_decay > 0 else "raw",
                                   "temperature": self.config.temperature,
                                   "frame_epochs": self.frame_epochs})

    def write_files(self, out: Path, state: dict) -> None:
        """generator.keras and progress.gif, each written whole and renamed into place."""
        from book_utils.plotting import save_gif

        tmp = out / f".{GENERATOR_FILE}.tmp.keras"
        try:
            self.gan.sampling_generator().save(tmp)
            os.replace(tmp, out / GENERATOR_FILE)
        finally:
            tmp.unlink(missing_ok=True)
        if self.frames:
            save_gif(self.frames, out / "progress.gif", vmin=-1, vmax=1,
                     scale=3 if self.frames[0].shape[0] < 100 else 2)


class GANFamily:
    name = "gan"
    sample_view = "grey"
    loss_panels = {"losses": ["disc_loss", "gen_loss"], "D outputs": ["d_real", "d_fake"]}
    smoke_limits = {"epochs": 2}

    def plan(self, dataset, text, options: dict) -> Plan:
        require(text is None, "--text belongs to the arm model's character runs; a GAN trains on images "
                              "(--dataset)")
        make_config(GANConfig, {}, options, model="gan")         # the options, before loading any data
        reference = data_reference(dataset, DATASETS)
        data = load_dataset(data_source(reference), view="signed")
        shape = data.image_shape
        saved = options.get("image_shape")
        require(saved is None or tuple(saved) == tuple(shape),
                f"image_shape is set by the data ({shape[0]} x {shape[1]}), got {saved!r}")
        config = make_config(GANConfig, recipe(shape), {**options, "image_shape": shape}, model="gan")
        n = len(data.x_train)
        require(config.batch_size <= n,
                f"batch_size {config.batch_size} is larger than the {n} training images; choose at most {n}")
        require(config.clusters <= n,
                f"clusters {config.clusters} is more than the {n} training images; choose at most {n}, "
                "or 0 for an unconditional GAN (--option clusters=0)")
        return Plan(config, reference, data)

    def build(self, plan: Plan) -> GANTrainer:
        return GANTrainer(plan.config, plan.loaded)


FAMILY = GANFamily()


def train_run(out, dataset: str = "digits", **options) -> dict:
    """Train (or resume) a GAN into run directory ``out``: :func:`book_utils.runs.train` for the GAN.

    ``options`` are :class:`GANConfig` fields overriding :func:`recipe`, and ``progress`` and
    ``on_epoch_end(epoch, trainer, losses)`` (``trainer.gan`` is the :class:`GAN`)."""
    from book_utils.runs import train

    return train(FAMILY, out, dataset, **options)


def load_generator(out):
    """The Keras generator of finished run ``out`` (z: N x latent_dim -> N x H x W x 1 in [-1, 1]; a
    cluster-conditioned one takes [z, c], c (N,) cluster indices). ``book_utils.runs.load(out)``
    gives the whole :class:`GAN`, which draws the clusters and applies the temperature for you."""
    import keras

    from book_utils.errors import RunDirError

    out = Path(out)
    run = read_run(out)
    if run["model"] != FAMILY.name:
        raise RunDirError(f"{out} holds a {run['model']!r} run, not a 'gan' run")
    path = out / GENERATOR_FILE
    if not path.is_file():
        raise RunDirError(f"{path} does not exist: the run has not finished. Run the same "
                          "`python -m book_utils train gan ...` command again to resume and finish it.")
    return keras.models.load_model(path)
