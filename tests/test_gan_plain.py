"""The source's GAN skeleton of Section 5.1 (book_utils.gan.plain): shapes, a step that trains, seeding."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from book_utils.gan import plain  # noqa: E402


def _batch(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 8, 8, 1)).astype(np.float32)


def test_the_source_numbers_and_shapes():
    assert (plain.EPOCHS, plain.BATCH_SIZE) == (100, 32)
    gan = plain.PlainGAN((8, 8), seed=0)
    assert float(gan.generator_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.discriminator_optimizer.learning_rate) == pytest.approx(1e-4)
    images = gan.sample(5)
    assert images.shape == (5, 8, 8, 1) and np.abs(images).max() <= 1.0
    assert gan.discriminator(images).shape == (5, 1)


def test_one_step_changes_every_weight_and_gives_finite_losses():
    gan = plain.PlainGAN((8, 8), seed=0)
    weights = gan.generator.trainable_variables + gan.discriminator.trainable_variables
    before = [w.numpy().copy() for w in weights]
    gen_loss, disc_loss = gan.train_step(_batch())
    assert np.isfinite(float(gen_loss)) and np.isfinite(float(disc_loss))
    assert float(disc_loss) > 0 and float(gen_loss) > 0
    after = gan.generator.trainable_variables + gan.discriminator.trainable_variables
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, after, strict=True))


def test_one_step_is_seeded():
    batch = _batch()
    runs = []
    for seed in (3, 3, 4):
        gan = plain.PlainGAN((8, 8), seed=seed)
        losses = [float(v) for v in gan.train_step(batch)]
        runs.append((losses, [w.numpy() for w in gan.generator.trainable_variables]))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert not np.allclose(runs[0][1][0], runs[2][1][0]), "another seed gives other weights"


def test_train_returns_one_pair_of_mean_losses_per_epoch():
    gan = plain.PlainGAN((8, 8), seed=0)
    history = gan.train(_batch(70)[..., 0], epochs=2, batch_size=32)   # 2 batches per epoch, 6 images dropped
    assert history.shape == (2, 2) and np.isfinite(history).all()
