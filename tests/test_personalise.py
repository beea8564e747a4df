"""book_utils.arm.personalise: LoRA adapters (peft) on the book's TransformerLM, offline."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import copy  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from book_utils.arm.personalise import (  # noqa: E402
    fine_tune,
    held_out_bits,
    load_adapter,
    lora_model,
    max_logit_difference,
    merged,
    parameter_counts,
    save_adapter,
    save_full,
    user_text,
)
from book_utils.arm.transformer import TransformerConfig, TransformerLM  # noqa: E402

CONTEXT = 16


def tiny_model(seed=0, d_model=32):
    torch.manual_seed(seed)
    return TransformerLM(TransformerConfig(vocab_size=8, context=CONTEXT, d_model=d_model, heads=2, layers=2))


def cyclic_ids(n=2000, period=(0, 1, 2, 3, 4, 5)):
    return np.array([period[i % len(period)] for i in range(n)], dtype=np.int64)


def test_user_text_reads_a_module_of_this_python():
    text = user_text("statistics")
    assert "def mean(" in text and len(text) > 10_000
    with pytest.raises(ValueError, match="pure-Python"):
        user_text("no_such_module_here")


def test_lora_freezes_the_base_and_adds_low_rank_weights_to_named_layers():
    base = tiny_model()
    model = lora_model(base, rank=2)
    trainable, total = parameter_counts(model)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all("lora_A" in n or "lora_B" in n for n in names)
    # per block: qkv 2 (32 + 96), proj 2 (32 + 32), mlp.0 2 (32 + 128), mlp.2 2 (128 + 32)
    assert trainable == 2 * 2 * ((32 + 96) + (32 + 32) + (32 + 128) + (128 + 32))
    assert total == parameter_counts(base)[1] + trainable
    assert parameter_counts(base)[0] == parameter_counts(base)[1]          # the base itself is untouched
    with pytest.raises(ValueError, match="rank"):
        lora_model(base, rank=0)


def test_a_fresh_adapter_is_the_base_model_exactly():
    base = tiny_model()
    ids = cyclic_ids(200)
    assert max_logit_difference(base, lora_model(base, rank=4), ids, CONTEXT) == 0.0   # B starts at zero


def test_lora_training_moves_only_the_adapters_and_lowers_the_loss():
    base = tiny_model()
    model = lora_model(base, rank=4)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    ids = cyclic_ids()
    losses, curve = fine_tune(model, ids, steps=60, batch=8, length=CONTEXT, lr=1e-2, every=30,
                              heldout={"text": ids[:400]})
    assert len(losses) == 60 and [row["step"] for row in curve] == [0, 30, 60]
    assert curve[-1]["text"] < curve[0]["text"] - 0.5        # a cycle of 6 is learnable
    after = dict(model.named_parameters())
    assert all(torch.equal(before[n], after[n]) for n in before)      # frozen weights unchanged
    assert held_out_bits(base, ids[:400]) == pytest.approx(curve[0]["text"])   # the base copy untouched


def test_adapter_saves_small_reloads_and_merges_to_the_same_function(tmp_path):
    base = tiny_model(d_model=64)
    model = lora_model(base, rank=1)
    ids = cyclic_ids()
    fine_tune(model, ids, steps=20, batch=8, length=CONTEXT, lr=1e-2)
    adapter = save_adapter(model, tmp_path / "adapter")
    full = save_full(base, tmp_path / "full.safetensors")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").exists()
    assert adapter < full / 3
    reloaded = load_adapter(base, tmp_path / "adapter")
    assert max_logit_difference(model, reloaded, ids[:320], CONTEXT) == 0.0
    plain = merged(model)
    assert type(plain) is TransformerLM and not any("lora" in n for n, _ in plain.named_parameters())
    assert 0 < max_logit_difference(model, base, ids[:320], CONTEXT)          # training changed the model
    assert max_logit_difference(model, plain, ids[:320], CONTEXT) < 1e-4      # merging did not
    assert any("lora" in n for n, _ in model.named_parameters())              # merged a copy


def test_full_fine_tuning_trains_everything():
    model = copy.deepcopy(tiny_model())
    trainable, total = parameter_counts(model)
    assert trainable == total
    with pytest.raises(ValueError, match="no trainable"):
        fine_tune(model.requires_grad_(False), cyclic_ids(), steps=1, batch=2, length=CONTEXT, lr=1e-3)
