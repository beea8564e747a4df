"""Section 7.1's Keras VAE (book_utils.tools.keras_vae): shapes, the loss, a training step, saving,
the tf.data pipeline, TensorBoard events, and the PyTorch backend in a subprocess."""

import json

import keras
import numpy as np
import pytest

from book_utils.tools import keras_vae as kv

RNG = np.random.default_rng(0)
X = (RNG.random((16, 64)) < 0.3).astype(np.float32)        # a fixed batch of binary 8 x 8 images


def small_model(cls=kv.KerasVAE, seed=0):
    return cls((8, 8), latent_dim=4, hidden=(32,), seed=seed)


def test_shapes_and_the_digits_model_has_the_pytorch_vaes_parameter_count():
    model = kv.KerasVAE()
    logits, mu, logvar = model(X[:5])
    assert tuple(logits.shape) == (5, 64) and tuple(mu.shape) == tuple(logvar.shape) == (5, 8)
    assert kv.trainable_parameters(model) == 171_088            # book_utils.vae.VAE() has 171,088
    first = model.body.layers[0]
    assert first.kernel.shape == (64, 256)
    weights = keras.ops.convert_to_numpy(first.kernel)
    assert 0.95 / 8 < np.abs(weights).max() <= 1 / 8        # PyTorch's U(-1/sqrt(64), 1/sqrt(64))


def test_the_loss_equals_an_independent_computation():
    model = small_model()
    model.beta.assign(0.5)
    logits, mu, logvar = (keras.ops.convert_to_numpy(t).astype(np.float64) for t in model(X))
    p_on = 1 / (1 + np.exp(-logits))
    reconstruction = -(X * np.log(p_on) + (1 - X) * np.log(1 - p_on)).sum(1)
    kl = 0.5 * (np.exp(logvar) + mu ** 2 - 1 - logvar).sum(1)
    y_pred = tuple(keras.ops.convert_to_tensor(t.astype(np.float32)) for t in (logits, mu, logvar))
    loss = float(model.compute_loss(x=X, y_pred=y_pred))
    assert loss == pytest.approx(reconstruction.mean() + 0.5 * kl.mean(), rel=1e-5)
    tracked = float(model.trackers["neg_elbo"].result())
    assert tracked == pytest.approx(reconstruction.mean() + kl.mean(), rel=1e-5)


@pytest.mark.parametrize("cls", [kv.KerasVAE, kv.TFStepVAE])
def test_one_training_step_lowers_the_loss_on_a_fixed_batch(cls):
    model = small_model(cls)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = kv.negative_elbo(model, X, samples=20, seed=1)["neg_elbo"]      # the same noise before and after
    logs = model.train_on_batch(X, return_dict=True)
    after = kv.negative_elbo(model, X, samples=20, seed=1)["neg_elbo"]
    assert {"loss", "reconstruction", "kl", "neg_elbo"} <= set(logs)
    assert logs["loss"] == pytest.approx(logs["reconstruction"] + logs["kl"], rel=1e-5)     # beta = 1
    assert after < before - 0.5, (before, after)


def test_negative_elbo_is_reproducible_and_splits_into_its_terms():
    model = small_model()
    a, b = kv.negative_elbo(model, X, seed=3), kv.negative_elbo(model, X, seed=3)
    assert a == b and a["neg_elbo"] == pytest.approx(a["reconstruction"] + a["kl"])
    assert 0.5 * 64 * np.log(2) < a["reconstruction"] < 2 * 64 * np.log(2)   # untrained: near fair coins


def test_the_keras_file_round_trip_gives_identical_outputs(tmp_path):
    model = small_model(kv.TFStepVAE, seed=5)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.train_on_batch(X)
    model.save(tmp_path / "vae.keras")
    loaded = keras.models.load_model(tmp_path / "vae.keras")
    assert type(loaded) is kv.TFStepVAE and loaded.latent_dim == 4 and loaded.seed == 5
    for a, b in zip(model.encode(X), loaded.encode(X), strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    z = RNG.standard_normal((16, 4)).astype(np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.decode(z)),
                                  keras.ops.convert_to_numpy(loaded.decode(z)))
    assert kv.negative_elbo(model, X) == kv.negative_elbo(loaded, X)


def test_the_exported_inference_function_reloads_without_the_class(tmp_path):
    import tensorflow as tf

    model = small_model()
    kv.export_inference(model, tmp_path / "served")
    served = tf.saved_model.load(str(tmp_path / "served"))
    z = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(served.decode(z).numpy(), keras.ops.convert_to_numpy(
        keras.ops.sigmoid(model.decode(z))), rtol=1e-6, atol=1e-7)
    mu, _ = served.encode(X)
    np.testing.assert_allclose(mu.numpy(), keras.ops.convert_to_numpy(model.encode(X)[0]),
                               rtol=1e-6, atol=1e-6)


def test_the_tf_data_pipeline_reads_the_tfrecord_and_binarizes_afresh(tmp_path):
    grey = np.repeat(np.array([[0] * 32 + [16] * 24 + [8] * 8]), 10, axis=0).astype(np.float32)  # (10, 64)
    path = kv.write_tfrecord(grey, tmp_path / "train.tfrecord")
    for cache, prefetch in ((False, False), (True, True)):
        ds = kv.tf_dataset(path, len(grey), 16, batch_size=4, seed=0, cache=cache, prefetch=prefetch)
        epochs = [np.concatenate([b.numpy() for b in ds]) for _ in range(2)]
        for images in epochs:
            assert images.shape == (10, 64) and set(np.unique(images)) <= {0.0, 1.0}
            assert (images[:, :32] == 0).all() and (images[:, 32:56] == 1).all()   # far from the threshold
        # grey level 8 is near the threshold 7.5: on with probability sigmoid(0.5), redrawn every epoch
        assert 0.45 < epochs[0][:, 56:].mean() < 0.8 and (epochs[0][:, 56:] != epochs[1][:, 56:]).any()


def test_soft_binarized_batches_cover_the_data_and_change_every_epoch():
    grey = np.full((10, 64), 8.0, dtype=np.float32)
    batches = kv.SoftBinarizedBatches(grey, 16, batch_size=4, seed=0)
    assert len(batches) == 3 and batches[2].shape == (2, 64)
    first = np.concatenate([batches[i] for i in range(3)])
    batches.on_epoch_end()
    assert (first != np.concatenate([batches[i] for i in range(3)])).any()


def test_load_split_follows_the_vae_protocol():
    data = kv.load_split("digits")
    assert data["train_grey"].shape == (1293, 64) and data["val"].shape == (144, 64)
    assert data["test"].shape == (360, 64) and data["max_value"] == 16
    assert set(np.unique(data["test"])) == {0.0, 1.0} and data["train_grey"].max() == 16


def test_fit_logs_tensorboard_events_that_read_back_as_the_history(tmp_path):
    model = small_model(kv.TFStepVAE)
    train = kv.SoftBinarizedBatches(np.tile(X * 16, (4, 1)), 16, batch_size=16, seed=0)
    history, timer = kv.fit_vae(model, train, X, epochs=3, steps_per_epoch=len(train),
                                log_dir=tmp_path / "logs", checkpoint=tmp_path / "best.keras")
    assert len(timer.seconds) == 3 and (tmp_path / "best.keras").exists()
    scalars = kv.read_scalars(tmp_path / "logs" / "validation")
    read = [scalars["epoch_neg_elbo"][e] for e in range(3)]
    np.testing.assert_allclose(read, history.history["val_neg_elbo"], rtol=1e-6)
    train = kv.read_scalars(tmp_path / "logs" / "train")
    np.testing.assert_allclose([train["epoch_loss"][e] for e in range(3)], history.history["loss"], rtol=1e-6)
    assert min(history.history["loss"]) > 10                      # nats per image: the real objective, not 0


def test_the_command_line_refuses_bad_arguments():
    with pytest.raises(SystemExit):
        kv.main(["--epochs", "0", "--out", "x.json"])
    with pytest.raises(SystemExit):
        kv.main(["--epochs", "1"])


def test_the_torch_backend_runs_one_epoch_in_a_subprocess_and_writes_json(tmp_path):
    result = kv.run_backend("torch", epochs=1, out=tmp_path / "torch.json")
    assert result == json.loads((tmp_path / "torch.json").read_text())
    assert result["backend"] == "torch" and result["epochs"] == 1 and len(result["seconds_per_epoch"]) == 1
    assert 20 < result["test"]["neg_elbo"] < 60 and result["parameters"] == 171_088
    assert not list(tmp_path.glob(".*.tmp"))                      # written atomically: no temporary file left
