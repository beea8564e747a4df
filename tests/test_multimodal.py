"""book_utils.apps.multimodal: two-language captions, the CLIP loss, zero-shot, retrieval, text-to-image."""

import math

import numpy as np
import pytest
import torch

from book_utils.apps import multimodal as mm


def test_captions_in_both_languages():
    assert mm.caption(7, 2, 1, "en") == "a thick seven"
    assert mm.caption(7, 2, 1, "zh") == "一个粗的七"
    assert mm.caption(8, 1, 1, "en") == "an eight"
    assert mm.caption(8, 0, 1, "en") == "a thin eight"
    assert mm.caption(3, 0, 2, "en") == "a thin three, slanting right"
    assert mm.caption(3, 0, 0, "zh") == "一个细的三，向左倾斜"
    assert mm.caption(0, 1, 1, "zh") == "一个零"
    with pytest.raises(ValueError):
        mm.caption(1, 1, 1, "fr")
    for lang in mm.LANGUAGES:
        texts = [row[3] for row in mm.all_captions(lang)]
        assert len(texts) == len(set(texts)) == 90


def test_tokens_and_vocab():
    assert mm.tokenize("a thick seven, slanting right") == ["a", "thick", "seven", ",", "slanting", "right"]
    assert mm.tokenize("一个粗的七，向右倾斜") == list("一个粗的七，向右倾斜")
    vocab = mm.Vocab([row[3] for lang in mm.LANGUAGES for row in mm.all_captions(lang)])
    ids = vocab.encode(["a seven", "一个一"])
    assert ids.shape == (2, 12) and ids[0, 2:].eq(0).all() and ids[1, 0] == ids[1, 2] != 0
    with pytest.raises(ValueError):
        vocab.encode(["a purple seven"])


def test_attribute_levels_split_each_class_in_thirds():
    rng = np.random.default_rng(0)
    images = rng.random((300, 8, 8)) * rng.random((300, 1, 1))          # varying ink
    labels = np.repeat(np.arange(3), 100)
    scale = mm.AttributeScale.fit(images, labels, n_classes=3)
    thick, lean = scale.levels(images, labels)
    for c in range(3):
        counts = np.bincount(thick[labels == c], minlength=3)
        assert counts.min() >= 30                                         # about a third each
    assert set(np.unique(lean)) == {0, 1, 2}
    heavy = images[labels == 0].sum(axis=(1, 2)).argmax()
    assert thick[heavy] == 2


def test_clip_loss_is_symmetric_and_small_for_matched_pairs():
    emb = torch.nn.functional.normalize(torch.randn(16, 8), dim=-1)
    other = torch.nn.functional.normalize(torch.randn(16, 8), dim=-1)
    scale = torch.tensor(50.0)
    assert mm.clip_loss(emb, emb, scale) < 0.1 < mm.clip_loss(emb, other, scale)
    assert torch.isclose(mm.clip_loss(emb, other, scale), mm.clip_loss(other, emb, scale))
    # with all similarities equal the loss is log(B) in each direction
    assert math.isclose(mm.clip_loss(emb, emb, torch.tensor(0.0)).item(), math.log(16), rel_tol=1e-6)


def test_encoders_give_unit_vectors():
    model = mm.CLIP(data_dim=64, vocab_size=10, embed_dim=6)
    x = model.image(torch.rand(5, 64))
    t = model.text(torch.tensor([[1, 2, 0], [3, 0, 0]]))
    assert x.shape == (5, 6) and t.shape == (2, 6)
    assert torch.allclose(x.norm(dim=-1), torch.ones(5)) and torch.allclose(t.norm(dim=-1), torch.ones(2))
    # padding does not change the embedding
    short, padded = model.text(torch.tensor([[1, 2]])), model.text(torch.tensor([[1, 2, 0, 0]]))
    assert torch.allclose(short, padded, atol=1e-6)


def test_recall_at_1_and_chance():
    keys = np.array(["a", "a", "b", "c"])
    sim = np.eye(4)
    assert mm.recall_at_1(sim, keys, keys) == (1.0, (2 + 2 + 1 + 1) / 16)
    sim = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1.0]])
    assert mm.recall_at_1(sim, keys, keys)[0] == 0.5


@pytest.fixture(scope="module")
def trained():
    """A CLIP on the digits, a few seconds of training."""
    from book_utils.data import load

    threads = torch.get_num_threads()
    torch.set_num_threads(1)              # tiny models: one thread, no contention on a shared machine
    torch.manual_seed(0)
    raw = load("digits")
    x = raw.x_train / raw.max_value
    thick, lean = mm.AttributeScale.fit(x, raw.y_train).levels(x, raw.y_train)
    captions = {lang: [mm.caption(int(d), int(t), int(s), lang) for d, t, s in zip(raw.y_train, thick, lean)]
                for lang in mm.LANGUAGES}
    vocab = mm.Vocab([row[3] for lang in mm.LANGUAGES for row in mm.all_captions(lang)])
    tokens = {lang: vocab.encode(c) for lang, c in captions.items()}
    model = mm.CLIP(64, len(vocab))
    history = mm.train_clip(model, torch.as_tensor(x.reshape(len(x), -1), dtype=torch.float32), tokens,
                            epochs=10, seed=0)
    yield raw, vocab, model, tokens, history
    torch.set_num_threads(threads)


def test_clip_learns_zero_shot_digits_in_both_languages(trained):
    raw, vocab, model, _, history = trained
    assert history[-1] < 0.5 * history[0]
    x_test = torch.as_tensor(raw.x_test.reshape(len(raw.x_test), -1) / raw.max_value, dtype=torch.float32)
    for lang in mm.LANGUAGES:
        rows = mm.all_captions(lang)
        predicted = mm.zero_shot(model, x_test, vocab.encode([r[3] for r in rows]), [r[0] for r in rows])
        assert predicted.shape == (len(x_test),)
        assert (predicted == raw.y_test).mean() > 0.7                      # chance: 0.1


def test_caption_vae_shapes_and_a_falling_loss(trained):
    raw, _, model, tokens, _ = trained
    with torch.no_grad():
        cond = [model.text(ids[:200]) for ids in tokens.values()]
    torch.manual_seed(0)
    vae = mm.CaptionVAE((8, 8), cond_dim=cond[0].shape[1], latent_dim=4, hidden=(64,))
    history = mm.train_caption_vae(vae, torch.as_tensor(raw.x_train[:200], dtype=torch.float32), cond,
                                   raw.max_value, epochs=8, warmup_epochs=2)
    assert history[-1] < history[0]
    samples = vae.sample(cond[1][:5], generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 8, 8) and set(samples.unique().tolist()) <= {0.0, 1.0}
    probs = vae.sample(cond[1][:5], binary=False)
    assert ((probs >= 0) & (probs <= 1)).all()
