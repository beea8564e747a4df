import keras
import numpy as np
import pytest
import tensorflow as tf

from book_utils.basics.toy import ring_of_gaussians
from book_utils.gan.toy import (
    GANConfig,
    MinibatchStd,
    ToyGAN,
    discriminator_loss,
    generator_loss,
    make_discriminator,
    make_generator,
    pack_points,
)

DATA = ring_of_gaussians(512, seed=0)[0].astype(np.float32)
SMALL = dict(hidden=16, depth=1)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_shapes():
    assert make_generator(latent_dim=3, **SMALL)(np.zeros((5, 3), np.float32)).shape == (5, 2)
    assert make_discriminator(**SMALL)(np.zeros((5, 2), np.float32)).shape == (5, 1)
    assert make_discriminator(pack=2, **SMALL)(np.zeros((5, 4), np.float32)).shape == (5, 1)
    gan = ToyGAN(**SMALL)
    assert gan.sample(7).shape == (7, 2)
    assert gan.decision_surface(grid=9).shape == (9, 9)


def test_losses_equal_hand_computation():
    real, fake = np.array([[2.0], [-1.0]], np.float32), np.array([[0.5], [-3.0]], np.float32)
    d_hand = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
    assert float(discriminator_loss(real, fake)) == pytest.approx(d_hand, rel=1e-5)
    assert float(generator_loss(fake)) == pytest.approx(-np.mean(np.log(sigmoid(fake))), rel=1e-5)
    assert float(generator_loss(fake, saturating=True)) == pytest.approx(
        np.mean(np.log(1 - sigmoid(fake))), rel=1e-5)
    # at D = 1/2 everywhere the discriminator's loss is 2 log 2 (Goodfellow et al. 2014)
    zeros = np.zeros((4, 1), np.float32)
    assert float(discriminator_loss(zeros, zeros)) == pytest.approx(2 * np.log(2), rel=1e-6)


def test_minibatch_std_feature():
    h = np.array([[0.0, 1.0], [2.0, 5.0]], np.float32)
    out = MinibatchStd()(h).numpy()
    assert out.shape == (2, 3)
    assert np.allclose(out[:, 2], np.mean(np.std(h, axis=0)))          # (1 + 2) / 2 = 1.5
    assert np.allclose(out[:, :2], h)


def test_pack_points_puts_consecutive_points_side_by_side():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    packed = pack_points(x, 3).numpy()
    assert packed.shape == (2, 6)
    assert packed[0].tolist() == x[:3].ravel().tolist() and packed[1].tolist() == x[3:].ravel().tolist()
    assert np.array_equal(pack_points(x, 1).numpy(), x)
    with pytest.raises(ValueError, match="multiple of pack"):
        pack_points(x, 4)


def test_packed_discriminator_gives_one_logit_per_pack_and_sees_all_its_points():
    gan = ToyGAN(pack=2, **SMALL)
    x = DATA[:8]
    logits = gan.discriminator(pack_points(x, 2)).numpy()
    assert logits.shape == (4, 1)
    moved = x.copy()
    moved[1] += 1.0                                   # change only the second point of the first pack
    new = gan.discriminator(pack_points(moved, 2)).numpy()
    assert not np.isclose(new[0, 0], logits[0, 0]) and np.allclose(new[1:], logits[1:])


def test_packing_lets_d_see_what_single_points_hide():
    """Fakes that are real points, in pairs of copies: each point alone is distributed like the data, so a
    plain D stays at 2 log 2; a D that sees pairs spots the copies (the idea of PacGAN, Lin et al. 2018)."""
    def trained_d_loss(pack, steps=300, batch=64):
        rng = np.random.default_rng(0)
        d = make_discriminator(hidden=32, depth=2, pack=pack, seed=0)
        opt = keras.optimizers.Adam(3e-3, beta_1=0.5)

        @tf.function
        def step(real, fake):
            with tf.GradientTape() as tape:
                loss = discriminator_loss(d(pack_points(real, pack)), d(pack_points(fake, pack)))
            opt.apply_gradients(zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables))
            return loss
        losses = []
        for _ in range(steps):
            real = DATA[rng.integers(0, len(DATA), batch)]
            fake = np.repeat(DATA[rng.integers(0, len(DATA), batch // 2)], 2, axis=0)
            losses.append(float(step(real, fake)))
        return np.mean(losses[-50:])
    assert trained_d_loss(1) > 2 * np.log(2) - 0.05          # chance: the points alone say nothing
    assert trained_d_loss(2) < 2 * np.log(2) - 0.5           # the copies are spotted


def test_minibatch_std_discriminator_judges_a_point_by_its_batch():
    d = make_discriminator(minibatch_std=True, **SMALL)
    point = DATA[:1]
    collapsed = np.repeat(point, 8, axis=0)                        # a batch of identical points
    varied = np.concatenate([point, DATA[1:8]])                    # the same point among varied ones
    assert not np.isclose(d(collapsed).numpy()[0, 0], d(varied).numpy()[0, 0], atol=1e-4)
    plain = make_discriminator(**SMALL)                            # without the feature: no dependence
    assert np.isclose(plain(collapsed).numpy()[0, 0], plain(varied).numpy()[0, 0], atol=1e-6)


def test_one_step_changes_both_networks_and_d_steps_counts():
    gan = ToyGAN(d_steps=2, **SMALL)
    g0 = [w.numpy().copy() for w in gan.generator.weights]
    d0 = [w.numpy().copy() for w in gan.discriminator.weights]
    d_loss, g_loss = gan.train_step(DATA, 64)
    assert np.isfinite(d_loss) and np.isfinite(g_loss)
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(g0, gan.generator.weights))
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(d0, gan.discriminator.weights))
    assert int(gan.d_opt.iterations) == 2 and int(gan.g_opt.iterations) == 1


def test_same_seed_same_weights_other_seed_differs():
    runs = []
    for seed in (3, 3, 4):
        gan = ToyGAN(seed=seed, pack=2, **SMALL)
        history, snapshots = gan.fit(DATA, steps=5, batch_size=32, snapshot_every=5, grid=8)
        runs.append(gan.weights())
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))
    assert len(history["d_loss"]) == len(history["g_loss"]) == 5
    assert [s.step for s in snapshots] == [0, 5]
    assert snapshots[1].samples.shape == (1000, 2) and snapshots[1].surface.shape == (8, 8)
    assert 0 <= snapshots[1].surface.min() and snapshots[1].surface.max() <= 1


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="learning rates"):
        GANConfig(lr_g=0)
    with pytest.raises(ValueError, match="d_steps"):
        GANConfig(d_steps=0)
    gan = ToyGAN(pack=4, **SMALL)
    with pytest.raises(ValueError, match="N x 2"):
        gan.fit(np.zeros((10, 3)), steps=1)
    with pytest.raises(ValueError, match="multiple of pack"):
        gan.train_step(DATA, 30)
