"""Tests of the TensorFlow GAN (book_utils.gan): shapes, losses, training, runs, bad input."""

import dataclasses
import math
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from book_utils import cli, runs
from book_utils.data import DatasetError
from book_utils.errors import BookError, ConfigError, DivergedError
from book_utils.gan import (
    GAN,
    GANConfig,
    ImageShapeError,
    discriminator_loss,
    discriminator_model,
    fixed_noise,
    generator_loss,
    generator_model,
    recipe,
    to_unit,
)
from book_utils.gan import run as gan_run
from book_utils.gan.clusters import cluster_sizes, draw_clusters
from book_utils.gan.losses import hinge_discriminator_loss, hinge_generator_loss
from book_utils.gan.models import count_params
from book_utils.repro import seed_everything

TINY = dict(epochs=4, seed=5, width=16, batch_size=128, checkpoint_every=1, progress=False)


@pytest.mark.parametrize("shape, latent, arch", [((8, 8), 32, "mlp"), ((28, 28), 100, "dcgan"),
                                                 ((8, 8), 16, "dcgan")])
def test_output_shapes(shape, latent, arch):
    g = generator_model(shape, latent, arch=arch, width=16)
    d = discriminator_model(shape, arch=arch, width=16)
    images = g(np.zeros((3, latent), np.float32))
    assert images.shape == (3, *shape, 1)
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0
    assert d(images).shape == (3, 1)


def test_source_defaults_are_the_28x28_dcgan():
    assert generator_model().output_shape == (None, 28, 28, 1)
    assert discriminator_model().output_shape == (None, 1)


def _np_bce(logits, target):
    p = 1 / (1 + np.exp(-logits))
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


def test_losses_match_hand_computation():
    real = np.array([[2.0], [-1.0], [0.5]], np.float32)
    fake = np.array([[-3.0], [0.0], [1.5]], np.float32)
    want_d = _np_bce(real, 1).mean() + _np_bce(fake, 0).mean()
    want_g = -np.log(1 / (1 + np.exp(-fake))).mean()       # -mean log D(G(z))
    assert float(discriminator_loss(real, fake)) == pytest.approx(want_d, rel=1e-5)
    assert float(generator_loss(fake)) == pytest.approx(want_g, rel=1e-5)
    smooth = _np_bce(real, 0.9).mean() + _np_bce(fake, 0).mean()
    assert float(discriminator_loss(real, fake, label_smoothing=0.1)) == pytest.approx(smooth, rel=1e-5)
    hinge = np.maximum(0, 1 - real).mean() + np.maximum(0, 1 + fake).mean()
    assert float(hinge_discriminator_loss(real, fake)) == pytest.approx(hinge, rel=1e-6)
    assert float(hinge_generator_loss(fake)) == pytest.approx(-fake.mean(), rel=1e-6)


def _tiny_gan(seed=0, **kw):
    seed_everything(seed, ("tensorflow",))
    return GAN(GANConfig(image_shape=(8, 8), latent_dim=8, width=16, batch_size=16, seed=seed,
                         ema_decay=0.9, **kw))


def test_one_step_changes_both_networks():
    gan = _tiny_gan(r1_gamma=1.0)
    before_g = [w.numpy().copy() for w in gan.generator.trainable_variables]
    before_d = [w.numpy().copy() for w in gan.discriminator.trainable_variables]
    before_ema = [w.numpy().copy() for w in gan.ema_generator.weights]
    out = gan.train_step(tf.random.uniform((16, 8, 8, 1), -1, 1, seed=1))
    assert set(out) == {"gen_loss", "disc_loss", "d_real", "d_fake"}
    assert all(np.isfinite(float(v)) for v in out.values())
    for before, model in ((before_g, gan.generator), (before_d, gan.discriminator)):
        assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_variables))
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before_ema, gan.ema_generator.weights))


def test_same_seed_same_weights_other_seed_differs():
    x = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8)).astype(np.float32)
    weights = []
    for seed in (3, 3, 4):
        gan = _tiny_gan(seed)
        gan.train_epoch(x)
        gan.train_epoch(x)
        weights.append(np.concatenate([w.numpy().ravel() for w in gan.generator.weights]))
    np.testing.assert_array_equal(weights[0], weights[1])
    assert not np.allclose(weights[0], weights[2])


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_cluster_conditioned_networks_use_the_cluster(arch):
    g = generator_model((8, 8), 4, arch=arch, width=16, clusters=5)
    d = discriminator_model((8, 8), arch=arch, width=16, dropout=0.0, clusters=5)
    z = np.repeat(fixed_noise(1, 4, seed=0), 2, axis=0)            # the same noise twice
    images = g([z, np.array([0, 3], np.int32)]).numpy()
    assert images.shape == (2, 8, 8, 1) and not np.allclose(images[0], images[1])
    logits = d([np.repeat(images[:1], 2, axis=0), np.array([1, 4], np.int32)]).numpy()
    assert logits.shape == (2, 1) and logits[0, 0] != logits[1, 0]
    with pytest.raises(ValueError, match="clusters must be 0"):
        generator_model((8, 8), 4, clusters=-1)


def test_cluster_conditioned_gan_trains_and_samples_by_cluster_size():
    x = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8)).astype(np.float32)
    gan = _tiny_gan(clusters=3)
    with pytest.raises(ValueError, match="find_clusters"):
        gan.train_epoch(x)
    labels = gan.find_clusters(x)
    assert labels.shape == (64,) and set(labels) <= {0, 1, 2}
    np.testing.assert_array_equal(gan.cluster_sizes.numpy(), cluster_sizes(labels, 3))
    before = gan.generator.get_layer("cluster_embedding").get_weights()[0].copy()
    losses = gan.train_epoch(x, labels)
    assert all(np.isfinite(v) for v in losses.values())
    assert not np.array_equal(before, gan.generator.get_layer("cluster_embedding").get_weights()[0])
    gan.use_clusters(np.full(64, 2))                      # every image in cluster 2
    np.testing.assert_array_equal(gan.draw_clusters(50, seed=0), np.full(50, 2))
    noise = fixed_noise(6, 8, seed=1)
    twice = gan.sample(noise=noise, temperature=2.0)
    np.testing.assert_allclose(twice, gan.sample(noise=2 * noise, temperature=1.0), atol=1e-6)
    np.testing.assert_allclose(twice, gan.sample(noise=2 * noise, temperature=1.0,
                                                 clusters=np.full(6, 2)), atol=1e-6)
    with pytest.raises(ValueError, match="unconditional"):
        _tiny_gan().train_epoch(x, labels)


def test_fixed_noise_truncation():
    z = fixed_noise(500, 4, seed=0, truncation=1.5)
    assert z.shape == (500, 4) and np.abs(z).max() <= 1.5
    np.testing.assert_array_equal(fixed_noise(5, 4, seed=2), fixed_noise(5, 4, seed=2))


# --- runs: the lifecycle's run directory, resumable, refusing bad input ------------------------

def assert_same_files(before: dict, out):
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def files_of(out) -> dict:
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """An uninterrupted 4-epoch run on digits (tiny nets, a checkpoint after every epoch)."""
    out = tmp_path_factory.mktemp("gan") / "run"
    metrics = gan_run.train_run(out, "digits", **TINY)
    return out, metrics


def final_state(out):
    """Epoch, every weight and optimizer variable, the noise generator's state of a finished run."""
    gan = runs.load(out)
    models = (gan.generator, gan.discriminator, gan.ema_generator)
    return int(gan.epoch), [w.numpy() for m in models for w in m.weights] + [
        v.numpy() for v in gan.generator_optimizer.variables + gan.discriminator_optimizer.variables], \
        gan.noise.state.numpy()


def assert_same_run(out_a, out_b):
    epoch_a, weights_a, noise_a = final_state(out_a)
    epoch_b, weights_b, noise_b = final_state(out_b)
    assert epoch_a == epoch_b
    np.testing.assert_array_equal(noise_a, noise_b)
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.load(out_a / "samples.npy"), np.load(out_b / "samples.npy"))
    assert runs.read_history(out_a) == runs.read_history(out_b)


def test_run_directory_contents(finished_run):
    out, metrics = finished_run
    for name in ("run.json", "generator.keras", "samples.npy", "metrics.json", "losses.png",
                 "samples.png", "progress.gif"):
        assert (out / name).stat().st_size > 0, name
    for gone in ("history.json", "train_info.json", "clusters.npy", "frames.npy"):
        assert not (out / gone).exists(), gone
    samples = np.load(out / "samples.npy")
    assert samples.shape == (1000, 8, 8) and samples.dtype == np.float32
    assert 0.0 <= samples.min() and samples.max() <= 1.0
    saved = runs.load_json(out / "metrics.json")
    scores = saved["sample_metrics"]
    for key in ("fid", "precision", "recall", "coverage_entropy", "near_copy_share"):
        assert math.isfinite(scores[key]), key
    gan = runs.load(out)
    assert saved["epochs"] == 4 and saved["model"] == "gan"
    assert saved["data"] == {"kind": "images", "name": "digits"}
    assert saved["parameters"] == count_params(gan.generator)
    assert saved["details"]["discriminator_params"] == count_params(gan.discriminator)
    assert saved["details"]["frame_epochs"] == [0, 4]
    config = runs.read_run(out)["config"]
    assert config["epochs"] == 4 and config["image_shape"] == [8, 8] and config["arch"] == "mlp"
    assert config["clusters"] == 50, "the book's digits recipe is cluster-conditioned"
    history = runs.read_history(out)
    assert set(history) == {"disc_loss", "gen_loss", "d_real", "d_fake"} and len(history["gen_loss"]) == 4
    assert runs.evaluate(out)["sample_metrics"]["fid"] == pytest.approx(scores["fid"])


def test_loaded_gan_and_generator_give_the_run_samples(finished_run):
    out, _ = finished_run
    config = runs.read_run(out)["config"]
    gan = runs.load(out)
    assert isinstance(gan, GAN) and gan.config.temperature == config["temperature"]
    samples = np.load(out / "samples.npy")
    np.testing.assert_allclose(to_unit(gan.sample(1000, seed=5 + 2)), samples, atol=1e-6)
    generator = gan_run.load_generator(out)
    noise = fixed_noise(1000, config["latent_dim"], seed=5 + 2) * config["temperature"]
    clusters = draw_clusters(gan.cluster_sizes.numpy(), 1000, seed=5 + 2)
    np.testing.assert_allclose(to_unit(generator.predict_on_batch([noise, clusters])), samples, atol=1e-6)


def test_killed_after_second_checkpoint_resumes_to_the_uninterrupted_run(finished_run, tmp_path,
                                                                        kill_after_checkpoint):
    out = tmp_path / "killed"
    saved = kill_after_checkpoint(2)
    with pytest.raises(KeyboardInterrupt):
        gan_run.train_run(out, "digits", **TINY)
    assert saved == [1, 2] and not (out / "metrics.json").exists()
    resumed = gan_run.train_run(out, "digits", **TINY)
    assert saved == [1, 2, 3, 4]
    assert_same_run(finished_run[0], out)
    assert resumed["sample_metrics"] == finished_run[1]["sample_metrics"]
    newest = [runs.checkpoint_folders(o)[0] for o in (finished_run[0], out)]
    np.testing.assert_array_equal(*(np.load(f / "frames.npy") for f in newest))


def test_truncated_newest_checkpoint_resumes_from_the_older_one(finished_run, tmp_path, capsys):
    out = tmp_path / "damaged"
    shutil.copytree(finished_run[0], out)
    newest = runs.checkpoint_folders(out)[0]
    assert newest.name == "epoch-000004"
    (data_file,) = newest.glob("gan.data-*")
    data_file.write_bytes(data_file.read_bytes()[:data_file.stat().st_size // 2])
    gan_run.train_run(out, "digits", **TINY)
    err = capsys.readouterr().err
    assert "skipped a damaged checkpoint" in err and "epoch-000004" in err and "resuming from" in err
    assert_same_run(finished_run[0], out)          # epoch 4 trained again from epoch 3's checkpoint


def test_more_epochs_on_a_finished_run_are_refused_and_nothing_changes(finished_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(finished_run[0], out)
    before = files_of(out)
    with pytest.raises(runs.RunDirError, match=r"another configuration.*'epochs': \(4, 6\)"):
        gan_run.train_run(out, "digits", **dict(TINY, epochs=6))
    assert_same_files(before, out)


def test_batch_size_larger_than_the_data_is_refused_before_anything_is_written(tmp_path, capsys):
    with pytest.raises(ConfigError, match="batch_size 5000 is larger than the 1437 training images"):
        gan_run.train_run(tmp_path / "run", "digits", **dict(TINY, batch_size=5000))
    assert not (tmp_path / "run").exists()
    assert cli.main(["train", "gan", "--batch-size", "5000", "--out", str(tmp_path / "cli")]) == 2
    assert "batch_size 5000 is larger" in capsys.readouterr().err
    assert not (tmp_path / "cli").exists()


def test_too_small_images_are_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    for side, error in ((1, BookError), (3, ImageShapeError)):   # 1 x 1: refused already by the data
        path = tmp_path / f"dots{side}.npz"
        np.savez(path, x_train=np.full((80, side, side), 200, np.uint8))
        with pytest.raises(error, match=f"{side} x {side} pixels"):
            gan_run.train_run(out, str(path), **TINY)
        assert list(out.iterdir()) == []
    assert issubclass(ImageShapeError, ConfigError)


def test_binary_npz_trains_on_exactly_minus_one_and_plus_one(tmp_path):
    """A uint8 .npz of 0/1 pixels has max_value 1: its signed view is -1/+1, not -1 and -0.992."""
    rng = np.random.default_rng(0)
    path = tmp_path / "binary.npz"
    np.savez(path, x_train=(rng.random((64, 8, 8)) < 0.3).astype(np.uint8))
    seen = []
    gan_run.train_run(tmp_path / "run", str(path), **dict(TINY, epochs=1, clusters=0, batch_size=16),
                      on_epoch_end=lambda epoch, trainer, losses: seen.append(trainer.images))
    assert set(np.unique(seen[0]).tolist()) == {-1.0, 1.0}


def test_dcgan_path_on_small_random_28x28(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8))
    metrics = gan_run.train_run(tmp_path / "run", str(path), epochs=1, batch_size=8, latent_dim=8,
                                progress=False)
    assert metrics["sample_metrics"] is None and metrics["sample_metrics_unavailable"]   # no labels
    config = runs.read_run(tmp_path / "run")["config"]
    assert config["arch"] == "dcgan" and config["jit_compile"] is False and config["clusters"] == 0
    assert np.load(tmp_path / "run" / "samples.npy").shape == (1000, 28, 28)
    assert gan_run.load_generator(tmp_path / "run").output_shape == (None, 28, 28, 1)


def test_bad_inputs_are_refused_before_anything_is_written(tmp_path):
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'"):
        gan_run.train_run(tmp_path / "a", "cifar", **TINY)
    path = tmp_path / "odd.npz"
    np.savez(path, x_train=np.zeros((8, 30, 30), np.uint8))
    with pytest.raises(ImageShapeError, match="divisible by 4"):
        gan_run.train_run(tmp_path / "b", str(path), **TINY)
    for options, message in ((dict(learning_rate=1.0), "unknown gan option"),
                             (dict(loss="l2"), "unknown loss 'l2': choose one of bce, hinge"),
                             (dict(epochs=0), "epochs must be a positive integer"),
                             (dict(seed=-1), "seed must be an integer >= 0"),
                             (dict(ema_decay=1.0), r"ema_decay must be in \[0, 1\)"),
                             (dict(clusters=2000), "clusters 2000 is more than the 1437 training images"),
                             (dict(image_shape=(4, 4)), "image_shape is set by the data")):
        with pytest.raises(ConfigError, match=message):
            gan_run.train_run(tmp_path / "c", "digits", **{**TINY, **options})
    with pytest.raises(ConfigError, match="arm model"):
        gan_run.train_run(tmp_path / "d", "digits", text="python-docs", **TINY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.npz"]
    other = tmp_path / "vae_run"
    runs.prepare_run_dir(other, "vae", {"epochs": 1})
    before = files_of(other)
    with pytest.raises(runs.RunDirError, match="'vae' run"):
        gan_run.train_run(other, "digits", **TINY)
    assert_same_files(before, other)
    with pytest.raises(runs.RunDirError, match="'vae' run"):
        gan_run.load_generator(other)


def test_config_is_frozen_framework_free_and_picks_the_recipe_by_size():
    config = GANConfig(image_shape=[8, 8])
    assert config.image_shape == (8, 8) and config.arch == "mlp"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 5
    assert recipe((8, 8))["clusters"] == 50 and recipe((16, 16))["arch"] == "mlp"
    assert recipe((28, 28))["arch"] == "auto" and recipe((28, 28))["jit_compile"] is False
    assert GANConfig(image_shape=(28, 28)).arch == "dcgan"
    code = ("import sys\nfrom book_utils.gan.config import GANConfig, recipe\n"
            "GANConfig(**recipe((8, 8)))\nprint('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


def test_nan_loss_stops_and_keeps_the_checkpoint(tmp_path, monkeypatch):
    original = GAN.train_epoch

    def poisoned(self, images, clusters=None, step=None):
        losses = original(self, images, clusters, step)
        return {**losses, "disc_loss": float("nan")} if int(self.epoch) == 3 else losses

    monkeypatch.setattr(GAN, "train_epoch", poisoned)
    out = tmp_path / "nan"
    with pytest.raises(DivergedError, match="disc_loss at epoch 3"):
        gan_run.train_run(out, "digits", **dict(TINY, epochs=5))
    assert [f.name for f in runs.checkpoint_folders(out)] == ["epoch-000002", "epoch-000001"]
    assert not (out / "samples.npy").exists()


def test_translation_keeps_shape_moves_whole_images_and_is_differentiable():
    from book_utils.gan.augment import augment, shifted_copies, translate

    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype(np.float32))
    copies = shifted_copies(x, shift=1).numpy()                        # N x 9 x 8 x 8 x 1
    assert copies.shape == (32, 9, 8, 8, 1)
    np.testing.assert_array_equal(copies[:, 4], x.numpy())              # the middle copy: no shift
    np.testing.assert_array_equal(copies[:, 5, :, :7], x.numpy()[:, :, 1:])   # dx = +1: left by one
    assert (copies[:, 5, :, 7] == -1).all()                             # border filled with background
    rng = tf.random.Generator.from_seed(1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = translate(x, rng, shift=1)
        total = tf.reduce_sum(y)
    assert y.shape == x.shape
    # every output image is exactly one of its nine shifted copies, and not always the unshifted one
    picked = [[np.array_equal(y.numpy()[i], copies[i, j]) for j in range(9)] for i in range(32)]
    assert all(any(row) for row in picked) and not all(row[4] for row in picked)
    grad = tape.gradient(total, x).numpy()
    assert grad.shape == x.shape and np.isfinite(grad).all() and grad.sum() > 0
    assert augment(x, "none", rng) is x
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment(x, "rotate", rng)
    with pytest.raises(ValueError, match="unknown augment"):
        GANConfig(augment="rotate")


def test_minibatch_std_feature_sees_batch_variety():
    d = discriminator_model((8, 8), arch="mlp", width=8, dropout=0.0, mbstd=True)
    assert d.get_layer("mbstd").output.shape == (None, 9)
    features = keras.Model(d.input, d.get_layer("mbstd").output)
    same = np.repeat(np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 1)), 6, axis=0).astype(np.float32)
    varied = np.random.default_rng(1).uniform(-1, 1, (6, 8, 8, 1)).astype(np.float32)
    f_same, f_varied = features(same).numpy()[:, -1], features(varied).numpy()[:, -1]
    assert np.allclose(f_same, f_same[0]) and f_same[0] < 1e-3 < f_varied[0]


def test_augmented_step_trains_and_generator_width_is_separate():
    gan = _tiny_gan(augment="translation", mbstd=True, r1_gamma=1.0, g_width=24)
    assert gan.generator.get_layer("dense_1").units == gan.ema_generator.get_layer("dense_1").units == 24
    assert gan.discriminator.get_layer("dense_1").units == 16
    out = gan.train_step(tf.random.uniform((16, 8, 8, 1), -1, 1, seed=1))
    assert all(np.isfinite(float(v)) for v in out.values())
