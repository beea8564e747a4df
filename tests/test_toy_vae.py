import math

import numpy as np
import pytest
import torch

from book_utils.basics.toy import ring_of_gaussians
from book_utils.vae.toy import (
    ToyVAE,
    gaussian_kl,
    gaussian_nll,
    latent_report,
    posterior_means,
    prior_holes,
    reconstruct,
    sample_prior,
    train_vae,
    vae_loss,
)

DATA = ring_of_gaussians(1000, std=0.1, seed=0)[0]


def test_shapes():
    model = ToyVAE(data_dim=3, latent_dim=2, hidden=8)
    x = torch.zeros(5, 3)
    recon, mu, logvar = model(x)
    assert recon.shape == (5, 3) and mu.shape == (5, 2) and logvar.shape == (5, 2)
    assert sample_prior(model, 7).shape == (7, 3)
    assert posterior_means(model, np.zeros((4, 3))).shape == (4, 2)
    assert reconstruct(model, np.zeros((4, 3))).shape == (4, 3)


def test_loss_equals_hand_computation():
    x = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    recon = torch.tensor([[1.5, 2.0], [0.0, 0.0]])
    mu = torch.tensor([[0.5], [-1.0]])
    logvar = torch.tensor([[0.0], [math.log(0.25)]])
    std, beta = 0.5, 3.0
    # -log N(x; m, s^2 I) = |x - m|^2 / (2 s^2) + (D/2) log(2 pi s^2)
    const = math.log(2 * math.pi * std**2)
    nll = [0.25 / 0.5 + const, 1.0 / 0.5 + const]
    # KL(N(m, v) || N(0, 1)) = (m^2 + v - 1 - log v) / 2
    kl = [(0.25 + 1 - 1 - 0) / 2, (1 + 0.25 - 1 - math.log(0.25)) / 2]
    terms = vae_loss(x, recon, mu, logvar, beta=beta, decoder_std=std)
    assert float(terms["recon"]) == pytest.approx(np.mean(nll), rel=1e-6)
    assert float(terms["kl"]) == pytest.approx(np.mean(kl), rel=1e-6)
    assert float(terms["loss"]) == pytest.approx(np.mean(nll) + beta * np.mean(kl), rel=1e-6)
    assert gaussian_nll(x, recon, std).shape == (2,)


def test_kl_closed_form_matches_monte_carlo():
    mu, logvar = torch.tensor([[0.7, -1.2]]), torch.tensor([[-0.5, 0.8]])
    z = ToyVAE.reparameterize(mu.expand(200_000, 2), logvar.expand(200_000, 2),
                              torch.randn(200_000, 2, generator=torch.Generator().manual_seed(0)))
    sigma = torch.exp(0.5 * logvar)
    log_q = torch.distributions.Normal(mu, sigma).log_prob(z)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z)
    monte_carlo = (log_q - log_p).mean(0)
    closed = gaussian_kl(mu, logvar)[0]
    assert torch.allclose(monte_carlo, closed, atol=0.02)


def test_same_seed_same_model():
    a = train_vae(DATA, steps=5, batch_size=32, hidden=8, seed=1)
    b = train_vae(DATA, steps=5, batch_size=32, hidden=8, seed=1)
    c = train_vae(DATA, steps=5, batch_size=32, hidden=8, seed=2)
    assert a.history == b.history and len(a.history["loss"]) == 5
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.model.parameters(), c.model.parameters()))


def test_beta_zero_uses_the_code_and_huge_beta_collapses():
    free = latent_report(train_vae(DATA, beta=0.0, steps=300, hidden=32, seed=0).model, DATA)
    collapsed = latent_report(train_vae(DATA, beta=1000.0, steps=300, hidden=32, seed=0).model, DATA)
    assert free["active_units"] == 2 and free["kl_per_dim"].min() > 1.0 and free["recon_mse"] < 0.2
    assert collapsed["active_units"] == 0 and collapsed["kl_per_dim"].max() < 0.05
    # the reconstruction is the data mean, so the error is the data's total variance (about 4)
    assert collapsed["recon_mse"] == pytest.approx(DATA.var(0).sum(), rel=0.1)


def test_prior_holes_are_the_prior_draws_where_the_codes_are_sparse():
    model = ToyVAE(hidden=8)
    last = model.encoder[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()                        # q(z|x) = N(0, I) for every x: the codes are the prior
    assert prior_holes(model, DATA[:50], n=500) == 0.0
    assert latent_report(model, DATA)["posterior_std"] == pytest.approx(1.0)
    with torch.no_grad():
        last.bias.copy_(torch.tensor([0.0, 0.0, -12.0, -12.0]))   # every code is a spike at the origin
    assert prior_holes(model, DATA[:50], n=500) > 0.99
    with torch.no_grad():
        last.bias.copy_(torch.tensor([0.0, 0.0, math.log(0.5), math.log(0.5)]))
    # q = N(0, 0.5 I): q/p = 2 exp(-|z|^2 / 2) < 1/10 where |z|^2 > 2 log 20,
    # and under p, |z|^2 is chi-square(2): P(|z|^2 > t) = exp(-t / 2) = 1/20
    assert prior_holes(model, DATA[:50], n=20_000, seed=1) == pytest.approx(1 / 20, abs=0.006)
    with pytest.raises(ValueError, match="ratio"):
        prior_holes(model, DATA, ratio=0)


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="beta"):
        vae_loss(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 1), torch.zeros(1, 1), beta=-1)
    with pytest.raises(ValueError, match="decoder_std"):
        ToyVAE(decoder_std=0)
    with pytest.raises(ValueError, match="N x D"):
        train_vae(np.zeros(5), steps=1)
