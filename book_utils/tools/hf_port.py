"""The book's Transformer (Section 3.3) and Hugging Face's GPT-2: one model, two tools.

:class:`~book_utils.arm.transformer.TransformerLM` is a GPT-2 block for block (Radford et al.
2019): learned token and position embeddings, pre-norm blocks (LayerNorm eps 1e-5 before each
sub-layer), multi-head causal attention scaled by 1 / sqrt(D) with biases on the query/key/value
and output projections, a 4x MLP, a final LayerNorm and an output head tied to the token
embedding. Three things differ, and :func:`gpt2_config` / :func:`port_to_gpt2` absorb each:

* **activation**: the book's MLP uses the exact GELU, x Phi(x) (``nn.GELU()``); GPT-2's default
  ``"gelu_new"`` is the tanh approximation (Hendrycks and Gimpel 2016). The port sets
  ``activation_function="gelu"`` (the exact one), so nothing is approximated;
* **weight layout**: GPT-2 stores its linear layers as ``Conv1D`` with weight (in, out), the
  transpose of ``nn.Linear``'s (out, in): the port transposes them;
* **names**: ``tokens`` -> ``wte``, ``positions`` -> ``wpe``, ``blocks.i`` -> ``h.i``,
  ``qkv`` -> ``c_attn`` (queries, keys, values side by side in the same order), ``proj`` ->
  ``c_proj``, ``mlp.0`` / ``mlp.2`` -> ``mlp.c_fc`` / ``mlp.c_proj``, ``ln1`` / ``ln2`` / ``ln_f``
  -> ``ln_1`` / ``ln_2`` / ``ln_f``; ``head`` -> ``lm_head`` (tied, or copied when untied).

Sinusoidal positions (Vaswani et al. 2017) port too: GPT-2's position table is learned, and it
starts from the book's fixed table. Dropout rates carry over to ``embd_pdrop``, ``attn_pdrop`` and
``resid_pdrop``, which sit where the book's dropouts sit.
"""

from __future__ import annotations

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from book_utils.arm.transformer import TransformerConfig, TransformerLM


def gpt2_config(config: TransformerConfig, eos_token_id: int = 0) -> GPT2Config:
    """The :class:`GPT2Config` of the same shape as the book's ``config`` (exact GELU, eps 1e-5).

    ``eos_token_id`` (also used as BOS and padding) must be an id of the vocabulary.
    """
    if not 0 <= eos_token_id < config.vocab_size:
        raise ValueError(f"eos_token_id {eos_token_id} is outside the vocabulary of {config.vocab_size}")
    return GPT2Config(
        vocab_size=config.vocab_size, n_positions=config.context, n_embd=config.d_model,
        n_layer=config.layers, n_head=config.heads, n_inner=config.mlp_ratio * config.d_model,
        activation_function="gelu", layer_norm_epsilon=1e-5,
        resid_pdrop=config.dropout, embd_pdrop=config.dropout, attn_pdrop=config.dropout,
        scale_attn_weights=True, tie_word_embeddings=config.tie_weights,
        bos_token_id=eos_token_id, eos_token_id=eos_token_id, pad_token_id=eos_token_id)


def book_config(config: GPT2Config) -> TransformerConfig:
    """The book's :class:`TransformerConfig` of a GPT-2 config (the inverse of :func:`gpt2_config`);
    raises ValueError when GPT-2's options have no counterpart in the book's block."""
    if config.activation_function != "gelu" or config.layer_norm_epsilon != 1e-5:
        raise ValueError(f"the book's block uses the exact GELU and LayerNorm eps 1e-5; this config has "
                         f"{config.activation_function!r} and {config.layer_norm_epsilon}: build it with "
                         "gpt2_config(...) or set activation_function='gelu', layer_norm_epsilon=1e-5")
    inner = config.n_inner or 4 * config.n_embd
    if inner % config.n_embd or len({config.resid_pdrop, config.embd_pdrop, config.attn_pdrop}) > 1:
        raise ValueError("the book's block needs n_inner a multiple of n_embd and one dropout rate")
    return TransformerConfig(vocab_size=config.vocab_size, context=config.n_positions, d_model=config.n_embd,
                             heads=config.n_head, layers=config.n_layer, dropout=config.resid_pdrop,
                             mlp_ratio=inner // config.n_embd, tie_weights=config.tie_word_embeddings)


def gpt2_state_dict(model: TransformerLM) -> dict[str, torch.Tensor]:
    """The book model's weights under GPT-2's names and layouts (Conv1D: (in, out))."""
    config, book = model.config, model.state_dict()
    pos = book["positions.weight"] if config.positions == "learned" else model.position_table
    state = {"transformer.wte.weight": book["tokens.weight"], "transformer.wpe.weight": pos,
             "transformer.ln_f.weight": book["ln_f.weight"], "transformer.ln_f.bias": book["ln_f.bias"],
             "lm_head.weight": book["head.weight"]}
    for i in range(config.layers):
        b, h = f"blocks.{i}.", f"transformer.h.{i}."
        pairs = {"ln1": "ln_1", "ln2": "ln_2", "attn.qkv": "attn.c_attn", "attn.proj": "attn.c_proj",
                 "mlp.0": "mlp.c_fc", "mlp.2": "mlp.c_proj"}
        for ours, theirs in pairs.items():
            weight = book[b + ours + ".weight"]
            # Conv1D keeps (in, out): the transpose of nn.Linear's (out, in)
            state[h + theirs + ".weight"] = weight if ours.startswith("ln") else weight.t()
            state[h + theirs + ".bias"] = book[b + ours + ".bias"]
    return {name: tensor.detach().clone().contiguous() for name, tensor in state.items()}


def port_to_gpt2(model: TransformerLM) -> GPT2LMHeadModel:
    """A :class:`GPT2LMHeadModel` that computes the same function as the book's ``model``.

    Built from :func:`gpt2_config` (no downloaded weights), loaded with :func:`gpt2_state_dict`
    strictly (every GPT-2 weight is set, none left over), in the book model's train/eval mode.
    Eager attention, the same arithmetic as the book's (softmax of masked, scaled scores).
    """
    gpt2 = GPT2LMHeadModel(gpt2_config(model.config))
    gpt2.config._attn_implementation = "eager"
    missing, unexpected = gpt2.load_state_dict(gpt2_state_dict(model), strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and model.config.tie_weights)]
    if missing or unexpected:
        raise RuntimeError(f"the port left GPT-2 weights unset {missing} or unused {unexpected}")
    if model.config.tie_weights:
        assert gpt2.lm_head.weight.data_ptr() == gpt2.transformer.wte.weight.data_ptr(), "head not tied"
    return gpt2.train(model.training)


@torch.no_grad()
def next_token_logprobs(model, ids: torch.Tensor) -> torch.Tensor:
    """log p(x_{t+1} | x_<=t) for every position: (B, T) ids -> (B, T, V) log-probabilities.

    ``model`` is the book's :class:`TransformerLM` (``forward`` returns (logits, cache)) or a
    Hugging Face causal LM (returns an output with ``.logits``).
    """
    out = model(ids)
    logits = out[0] if isinstance(out, tuple) else out.logits
    return torch.log_softmax(logits.double(), dim=-1)
