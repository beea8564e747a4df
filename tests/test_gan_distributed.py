"""Tests of book_utils.gan.distributed: the GAN's custom loop under tf.distribute matches one device.

The two strategies run as the command line runs them, in fresh processes (the CPU can be split
into logical devices only before TensorFlow initialises; the workers are processes anyway)."""

import json
import subprocess
import sys

import numpy as np
import pytest

STEPS, BATCH = 3, 8      # tiny: the checks are about equality, not about learning


def run_cli(mode, tmp_path, *extra):
    out = tmp_path / f"{mode}.json"
    proc = subprocess.run([sys.executable, "-m", "book_utils.gan.distributed", mode, "--steps", str(STEPS),
                           "--global-batch", str(BATCH), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text()), proc


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    return run_cli("mirrored", tmp_path_factory.mktemp("mirrored"))


def check_equal_to_one_device(result):
    assert result["replicas"] == 2 and result["per_replica_batch"] == BATCH // 2
    assert len(result["losses_distributed"]) == len(result["losses_single"]) == STEPS
    assert result["weights"] > 100_000                     # the book's MLP pair, not a toy
    assert 0.0 <= result["max_weight_difference"] <= result["tolerance"] <= 1e-4
    for mine, one in zip(result["losses_distributed"], result["losses_single"], strict=True):
        assert mine.keys() == one.keys() == {"gen_loss", "disc_loss"}
        for k in mine:
            assert mine[k] == pytest.approx(one[k], abs=1e-5)
    # the weights moved: equality after training, not two untouched copies of the start
    assert result["losses_single"][0] != result["losses_single"][-1]
    assert result["equal_within_tolerance"] is True
    assert result["seconds"]["distributed"] > 0 and result["seconds"]["single"] > 0


def test_mirrored_matches_one_device(mirrored):
    result, proc = mirrored
    assert result["mode"] == "mirrored"
    assert result["devices"] == ["/device:CPU:0", "/device:CPU:1"]
    check_equal_to_one_device(result)
    drift = result["max_weight_difference_per_step"]      # after every step, not only the last
    assert len(drift) == STEPS and max(drift) <= result["tolerance"]
    assert "wrote" in proc.stdout
    assert "oneDNN" not in proc.stderr and "absl" not in proc.stderr      # quiet start-up


def test_optimizers_are_built_in_scope_before_the_first_step(mirrored):
    built = mirrored[0]["optimizer_variables_before_first_step"]
    assert built["count"] > 0                      # both Adams' moments and counters exist already
    assert built["type"] == "MirroredVariable"     # and were made in the strategy's scope


def test_multiworker_matches_one_device(tmp_path):
    result, proc = run_cli("multiworker", tmp_path)
    assert result["mode"] == "multiworker" and result["workers"] == 2
    check_equal_to_one_device(result)
    assert result["max_weight_difference_between_workers"] == 0.0       # the replicas never drift
    first, second = result["losses_per_worker"]
    assert first == second
    assert result["optimizer_variables_before_first_step"] > 0
    assert "oneDNN" not in proc.stderr


def test_a_batch_that_does_not_split_is_refused(capsys):
    from book_utils.gan import distributed

    with pytest.raises(ValueError, match="7 does not split evenly over 2 replicas.*multiple of 2.*6 or 8"):
        distributed.per_replica_batch(7, 2)
    assert distributed.per_replica_batch(8, 2) == 4
    with pytest.raises(SystemExit) as exit_info:      # refused before any CPU splitting or training
        distributed.main(["mirrored", "--global-batch", "9", "--replicas", "2", "--out", "unused.json"])
    assert exit_info.value.code == 2
    assert "does not split evenly over 2 replicas" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        distributed.main(["multiworker", "--global-batch", "5", "--out", "unused.json"])


def test_models_that_mix_a_batch_are_refused():
    from book_utils.gan import distributed

    with pytest.raises(ValueError, match="batch normalisation"):
        distributed.distributed_config(arch="dcgan")
    with pytest.raises(ValueError, match="dropout=0"):
        distributed.distributed_config(dropout=0.3)
    with pytest.raises(ValueError, match="dropout=0"):
        distributed.distributed_config(mbstd=True)


def test_per_example_losses_average_to_the_books_losses():
    import tensorflow as tf

    from book_utils.gan import distributed, losses

    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.normal(size=(6, 1)), tf.float32) for _ in range(2))
    config = distributed.distributed_config()
    gen, disc = distributed.per_example_losses(config, real, fake)
    assert gen.shape == disc.shape == (6,)
    np.testing.assert_allclose(tf.reduce_mean(gen), losses.generator_loss(fake), rtol=1e-6)
    np.testing.assert_allclose(tf.reduce_mean(disc), losses.discriminator_loss(real, fake), rtol=1e-6)
    # scaled by a global batch twice as large, two replicas' halves add up to the mean
    half = tf.nn.compute_average_loss(gen[:3], global_batch_size=6) + tf.nn.compute_average_loss(
        gen[3:], global_batch_size=6)
    np.testing.assert_allclose(half, losses.generator_loss(fake), rtol=1e-6)
    hinge = distributed.distributed_config(loss="hinge")
    gen, disc = distributed.per_example_losses(hinge, real, fake)
    np.testing.assert_allclose(tf.reduce_mean(gen), losses.hinge_generator_loss(fake), rtol=1e-6)
    np.testing.assert_allclose(tf.reduce_mean(disc), losses.hinge_discriminator_loss(real, fake), rtol=1e-6)
    images = tf.constant(rng.uniform(-1, 1, size=(5, 8, 8, 1)), tf.float32)
    discriminator = distributed.GAN(config).discriminator
    np.testing.assert_allclose(tf.reduce_mean(distributed.per_example_r1(discriminator, images)),
                               losses.r1_penalty(discriminator, images), rtol=1e-5)


def test_global_batches_are_the_same_in_every_process():
    from book_utils.gan import distributed

    images = np.arange(20 * 4, dtype=np.float32).reshape(20, 2, 2, 1)
    a = list(distributed.global_batches(images, 8, 5, latent_dim=3, seed=1))
    b = list(distributed.global_batches(images, 8, 5, latent_dim=3, seed=1))
    assert len(a) == 5 and a[0]["images"].shape == (8, 2, 2, 1) and a[0]["noise"].shape == (8, 3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x["images"], y["images"])
        np.testing.assert_array_equal(x["noise"], y["noise"])
    # two full batches per epoch of 20 (the partial one dropped); each epoch a new permutation
    seen = np.concatenate([batch["images"][:, 0, 0, 0] for batch in a[:2]])
    assert len(set(seen.tolist())) == 16


def test_splitting_the_cpu_after_tensorflow_started_says_how_to_fix_it():
    import tensorflow as tf

    from book_utils.gan import distributed

    tf.constant(1.0)           # TensorFlow is now initialised with its one CPU device
    if len(tf.config.list_logical_devices("CPU")) == 3:
        pytest.skip("this process already has three CPU devices")
    with pytest.raises(RuntimeError, match="fresh process"):
        distributed.logical_cpus(3)
