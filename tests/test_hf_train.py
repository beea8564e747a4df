"""book_utils.tools.hf_train and hf_accel: datasets -> Trainer -> save/reload -> pipeline, all offline.

The ``no_network`` fixture makes every attempt to open a connection (or resolve a host name)
raise, so a test that passes under it proves its code path never touches the network.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from book_utils.arm.transformer import TransformerConfig, TransformerLM
from book_utils.tools.hf_offline import NetworkAccessError, block_network

TEXT = ("The for statement iterates over the items of any sequence, in the order that they appear. "
        "Dictionaries map keys to values; a key must be hashable.\n") * 30
CONFIG = dict(context=16, d_model=32, heads=4, layers=1)


@pytest.fixture
def no_network():
    with block_network() as attempts:
        yield attempts
    assert not attempts, f"a code path tried to reach the network (and swallowed the error): {attempts}"


def test_the_fixture_catches_a_connection_attempt(no_network):
    import socket

    with pytest.raises(NetworkAccessError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    no_network.clear()                    # this one was on purpose


def test_hugging_face_modules_never_import_tensorflow():
    code = ("import sys\n"
            "import book_utils.tools.hf_train, book_utils.tools.hf_port, book_utils.tools.hf_accel\n"
            "from transformers import pipeline, Trainer, GPT2LMHeadModel\nimport datasets, accelerate\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'flax') if m in sys.modules), "
            "'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True"


def test_unigram_and_heldout_nats_on_known_cases():
    from book_utils.tools.hf_train import as_blocks, heldout_nats, unigram_nats

    blocks = as_blocks(np.arange(40) % 4, 8)
    assert blocks.shape == (5, 8)
    assert unigram_nats(np.arange(400) % 4, blocks, 4) == pytest.approx(math.log(4), abs=1e-3)
    torch.manual_seed(0)
    model = TransformerLM(TransformerConfig(vocab_size=4, context=8, d_model=8, heads=2, layers=1))
    with torch.no_grad():
        model.head.weight.zero_()         # tied: zero embedding and head -> uniform predictions
    assert heldout_nats(model, blocks) == pytest.approx(math.log(4), abs=1e-6)


def test_the_whole_stack_offline(tmp_path, no_network, capsys):
    from accelerate import Accelerator
    from torch.utils.data import DataLoader
    from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast, pipeline

    from book_utils.tools.hf_accel import train_loop
    from book_utils.tools.hf_files import safetensors_header
    from book_utils.tools.hf_port import gpt2_config, next_token_logprobs, port_to_gpt2
    from book_utils.tools.hf_tokenizer import train_byte_bpe
    from book_utils.tools.hf_train import (
        as_blocks,
        heldout_nats,
        text_datasets,
        token_blocks,
        train_gpt2,
        transformers_tokenizer,
    )

    tok = train_byte_bpe(TEXT, 300)
    (tmp_path / "train.txt").write_text(TEXT)
    (tmp_path / "valid.txt").write_text(TEXT[:800])
    data = token_blocks(text_datasets({"train": tmp_path / "train.txt", "validation": tmp_path / "valid.txt"},
                                      tmp_path / "cache"), tok, 16)
    ids = tok.encode(TEXT).ids
    assert data["train"]["input_ids"][2] == ids[32:48] == data["train"]["labels"][2]
    config = TransformerConfig(vocab_size=300, **CONFIG)

    book = TransformerLM(config).eval()                                  # the port, offline
    valid = as_blocks(tok.encode(TEXT[:800]).ids, 16)
    gap = (next_token_logprobs(book, valid) - next_token_logprobs(port_to_gpt2(book), valid)).abs().max()
    assert gap < 1e-5

    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(gpt2_config(config))
    before = heldout_nats(gpt2, valid)
    trainer = train_gpt2(gpt2, data["train"], steps=30, batch=8, lr=3e-3, out_dir=tmp_path / "t",
                         logging_steps=10)
    after = heldout_nats(gpt2, valid)
    assert after < before - 1.0, (before, after)
    assert trainer.evaluate(data["validation"])["eval_loss"] == pytest.approx(after, abs=1e-4)
    assert len([e for e in trainer.state.log_history if "loss" in e]) == 3
    assert capsys.readouterr().out == ""                                 # no printed log lines

    folder = tmp_path / "model"
    trainer.save_model(str(folder))
    transformers_tokenizer(tok).save_pretrained(str(folder))
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    assert "transformer.wte.weight" in safetensors_header(folder / "model.safetensors")
    reloaded = GPT2LMHeadModel.from_pretrained(str(folder)).eval()
    gpt2.eval()
    assert torch.equal(gpt2(valid).logits, reloaded(valid).logits)
    hf_tok = PreTrainedTokenizerFast.from_pretrained(str(folder))
    assert hf_tok.decode(hf_tok(TEXT)["input_ids"]) == TEXT

    generate = pipeline("text-generation", model=str(folder), tokenizer=str(folder), device="cpu")
    text = generate("The for", max_new_tokens=8, do_sample=False)[0]["generated_text"]
    assert text.startswith("The for") and len(text) > len("The for")

    losses = {}
    for name in ("plain", "accelerate"):
        torch.manual_seed(0)
        model = GPT2LMHeadModel(gpt2_config(config))
        loader = DataLoader(data["train"].with_format("torch"), batch_size=4, shuffle=True,
                            generator=torch.Generator().manual_seed(0))
        losses[name] = train_loop(model, loader, torch.optim.Adam(model.parameters(), lr=3e-3), 6,
                                  Accelerator(cpu=True) if name == "accelerate" else None)
    assert losses["plain"] == pytest.approx(losses["accelerate"], abs=1e-6) and len(losses["plain"]) == 6


def test_from_pretrained_of_a_hub_name_fails_offline_without_trying_the_network(no_network):
    from transformers import GPT2LMHeadModel

    with pytest.raises(OSError):
        GPT2LMHeadModel.from_pretrained("book-utils-test/no-such-model-anywhere")


def test_bench_writes_a_complete_json(tmp_path, no_network):
    import json

    from book_utils.tools.hf_train import main

    main(["--bench", "--steps", "3", "--json", str(tmp_path / "tools_hf.json")])
    result = json.loads((tmp_path / "tools_hf.json").read_text())
    assert result["recipe"]["steps"] == 3 and result["tokenizer"]["heldout_round_trip"] is True
    for entry in result["tools"].values():
        assert entry["lines_model"] > 0 and entry["lines_training"] > 0 and entry["wall_s_per_1000_steps"] > 0
        assert 0 < entry["heldout_nats_per_token"] < 8 and entry["files"]
    assert "model.safetensors" in result["tools"]["hf_gpt2_trainer"]["files"]
    assert result["tools"]["book_transformer_pytorch_loop"]["lines_model"] > \
        result["tools"]["hf_gpt2_trainer"]["lines_model"]
