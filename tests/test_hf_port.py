"""book_utils.tools.hf_port: the book's Transformer and Hugging Face's GPT-2 compute the same function."""

import pytest
import torch

from book_utils.arm.transformer import TransformerConfig, TransformerLM
from book_utils.tools.hf_port import (
    book_config,
    gpt2_config,
    gpt2_state_dict,
    next_token_logprobs,
    port_to_gpt2,
)


def perturbed_model(**options) -> TransformerLM:
    """A small book model with weights moved away from the initialisation (so every weight matters)."""
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=40, context=16, d_model=32, heads=4, layers=2, **options)
    model = TransformerLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("options", [{}, {"positions": "sinusoidal"}, {"tie_weights": False},
                                     {"mlp_ratio": 2, "dropout": 0.1}])
def test_ported_gpt2_gives_the_same_next_token_log_probabilities(options):
    book = perturbed_model(**options)
    gpt2 = port_to_gpt2(book)
    ids = torch.randint(0, 40, (4, 16), generator=torch.Generator().manual_seed(1))
    assert not gpt2.training
    gap = (next_token_logprobs(book, ids) - next_token_logprobs(gpt2, ids)).abs().max().item()
    assert gap < 1e-5, gap
    tied = gpt2.lm_head.weight.data_ptr() == gpt2.transformer.wte.weight.data_ptr()
    assert tied == book.config.tie_weights


def test_every_gpt2_weight_comes_from_the_book_model():
    book = perturbed_model()
    state = gpt2_state_dict(book)
    assert set(state) == set(port_to_gpt2(book).state_dict())
    n_book = sum(p.numel() for p in book.parameters())          # tied head counted once
    assert sum(t.numel() for k, t in state.items() if k != "lm_head.weight") == n_book
    assert torch.equal(state["transformer.h.0.attn.c_attn.weight"], book.blocks[0].attn.qkv.weight.t())


def test_gelu_new_the_gpt2_default_would_break_the_port():
    book = perturbed_model()
    config = gpt2_config(book.config)
    config.activation_function = "gelu_new"
    from transformers import GPT2LMHeadModel

    approx = GPT2LMHeadModel(config).eval()
    approx.load_state_dict(gpt2_state_dict(book))
    ids = torch.randint(0, 40, (4, 16), generator=torch.Generator().manual_seed(1))
    assert (next_token_logprobs(book, ids) - next_token_logprobs(approx, ids)).abs().max() > 1e-4


def test_configs_map_back_and_forth_and_refuse_what_the_book_lacks():
    config = TransformerConfig(vocab_size=40, context=16, d_model=32, heads=4, layers=3, dropout=0.1)
    gpt2 = gpt2_config(config)
    assert (gpt2.activation_function, gpt2.layer_norm_epsilon, gpt2.n_inner) == ("gelu", 1e-5, 128)
    assert book_config(gpt2) == config
    gpt2.activation_function = "gelu_new"
    with pytest.raises(ValueError, match="exact GELU"):
        book_config(gpt2)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        gpt2_config(config, eos_token_id=40)


def test_training_mode_follows_the_book_model():
    book = perturbed_model(dropout=0.1).train()
    assert port_to_gpt2(book).training
