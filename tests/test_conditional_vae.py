"""book_utils.vae.conditional: the class-conditional VAE of Section 6.1."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from book_utils.vae.conditional import ConditionalVAE, train_cvae  # noqa: E402


def test_shapes_and_label_check():
    model = ConditionalVAE(latent_dim=4, hidden=(32,))
    x = torch.randint(0, 2, (5, 8, 8)).float()
    y = torch.tensor([0, 1, 2, 3, 9])
    recon, mu, logvar = model(x, y)
    assert recon.shape == (5, 64) and mu.shape == logvar.shape == (5, 4)
    samples = model.sample(y, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 8, 8) and set(samples.unique().tolist()) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="labels must be in 0..9"):
        model.sample(torch.tensor([10]))


def test_training_lowers_the_loss_and_the_label_steers_the_picture():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    # two classes that differ only in which half of the image holds the ink
    labels = rng.integers(0, 2, 256)
    grey = np.zeros((256, 8, 8), dtype=np.float32)
    for i, c in enumerate(labels):
        grey[i, :, :4] = 16 * c
        grey[i, :, 4:] = 16 * (1 - c)
    model = ConditionalVAE(n_classes=2, latent_dim=2, hidden=(32,))
    history = train_cvae(model, torch.from_numpy(grey), torch.from_numpy(labels), max_value=16, epochs=80,
                         batch_size=32, warmup_epochs=5)
    assert history[-1] < 0.3 * history[0]
    probs = model.sample(torch.tensor([0] * 50 + [1] * 50), binary=False,
                         generator=torch.Generator().manual_seed(0)).numpy()
    right, left = probs[:, :, 4:].mean(axis=(1, 2)), probs[:, :, :4].mean(axis=(1, 2))
    assert (right[:50] - left[:50]).mean() > 0.3      # asked for class 0: ink on the right
    assert (left[50:] - right[50:]).mean() > 0.3      # asked for class 1: ink on the left
