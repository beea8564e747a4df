"""GPT-2 trained the Hugging Face way: ``datasets`` -> ``Trainer`` -> ``save_pretrained`` -> ``pipeline``.

* :func:`text_datasets` and :func:`token_blocks`: local text files read with
  ``load_dataset("text", ...)`` (offline), tokenized and cut into blocks of ``context`` tokens with
  ``Dataset.map`` (the recipe of Hugging Face's ``run_clm.py`` example);
* :func:`train_gpt2`: ``Trainer`` with ``TrainingArguments`` set to the book's recipe (Adam, cosine
  schedule, gradient clipping at 1, no weight decay), no progress bars, no printed logs
  (``trainer.state.log_history`` keeps them), no checkpoints;
* :func:`heldout_nats` and :func:`unigram_nats`: the held-out loss of any causal LM (the book's or
  a Hugging Face one) and of the unigram baseline, in nats per token, on the same blocks;
* ``python -m book_utils.tools.hf_train --bench``: the book's Transformer (its own PyTorch loop)
  against GPT-2 (``Trainer``) on the same text at the same size, written to
  ``book_utils/bench/results/tools_hf.json``.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import math
import os
import tempfile
import time
from pathlib import Path

from book_utils.bench.machine import code_lines, cpu_name
from book_utils.tools.hf_offline import offline_env

offline_env()          # before the Hugging Face libraries read their switches

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import PreTrainedTokenizerFast, Trainer, TrainingArguments  # noqa: E402
from transformers.loss.loss_utils import ForCausalLMLoss  # noqa: E402
from transformers.trainer_callback import PrinterCallback  # noqa: E402

from book_utils.tools.hf_tokenizer import EOS  # noqa: E402

transformers.logging.set_verbosity_error()
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results" / "tools_hf.json"


def transformers_tokenizer(tokenizer: Tokenizer) -> PreTrainedTokenizerFast:
    """The ``tokenizers`` object wrapped for ``transformers`` (``save_pretrained``, ``pipeline``).

    ``EOS`` serves as end-of-text, beginning-of-text and padding token; decoding never "cleans up"
    spaces, so ``decode(encode(text)) == text`` still holds.
    """
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=EOS, bos_token=EOS, pad_token=EOS,
                                   clean_up_tokenization_spaces=False)


def text_datasets(files: dict[str, str | Path], cache_dir: str | Path):
    """``{"train": path, "validation": path}`` -> a ``DatasetDict`` with one row per file (column
    ``text``), read by ``load_dataset("text", sample_by="document")``: local files, no network."""
    from datasets import load_dataset

    return load_dataset("text", data_files={k: str(v) for k, v in files.items()}, sample_by="document",
                        cache_dir=str(cache_dir))


def token_blocks(dataset, tokenizer: Tokenizer, context: int):
    """Tokenize every row, join the ids and cut them into blocks of ``context`` tokens (the last,
    shorter piece is dropped). Columns ``input_ids`` and ``labels`` (the same ids: a causal LM
    shifts them itself), each (context,) per row."""
    def encode(batch):
        return {"ids": [enc.ids for enc in tokenizer.encode_batch(batch["text"])]}

    def group(batch):
        ids = [i for row in batch["ids"] for i in row]
        n = len(ids) // context * context
        blocks = [ids[s:s + context] for s in range(0, n, context)]
        return {"input_ids": blocks, "labels": [list(b) for b in blocks]}

    encoded = dataset.map(encode, batched=True, remove_columns=["text"], load_from_cache_file=False)
    return encoded.map(group, batched=True, remove_columns=["ids"], load_from_cache_file=False)


def train_gpt2(model, train_dataset, steps: int, batch: int, lr: float, out_dir: str | Path, seed: int = 0,
               logging_steps: int = 50) -> Trainer:
    """``steps`` optimiser steps of ``Trainer`` on ``train_dataset`` (rows of ``input_ids``, ``labels``).

    The book's recipe (Section 3.3's ``train_steps``): Adam (AdamW, weight decay 0), cosine decay
    of ``lr`` to 0 with no warm-up, gradients clipped to norm 1; the CPU, no checkpoints, no
    report to any service, no progress bar and no printed log lines: the losses are in
    ``trainer.state.log_history`` every ``logging_steps`` steps. Returns the trained ``Trainer``.
    """
    args = TrainingArguments(
        output_dir=str(out_dir), max_steps=steps, per_device_train_batch_size=batch,
        per_device_eval_batch_size=64, learning_rate=lr, lr_scheduler_type="cosine", warmup_steps=0,
        weight_decay=0.0, max_grad_norm=1.0, logging_steps=logging_steps, save_strategy="no",
        report_to="none", disable_tqdm=True, use_cpu=True, seed=seed, data_seed=seed,
        dataloader_num_workers=0)
    if getattr(model, "loss_type", None) is None and model.loss_function is ForCausalLMLoss:
        # GPT2LMHeadModel's class name does not say "ForCausalLM", so its loss_type is None and Trainer
        # (5.x) would not see that the loss shifts its labels: it would divide each batch's summed loss
        # by T labels per row instead of the T - 1 predicted, scaling losses and gradients by (T - 1) / T
        # (the over-count of huggingface/transformers PR 46204, whose fix keys on loss_type).
        model.loss_type = "ForCausalLM"
    trainer = Trainer(model=model, args=args, train_dataset=train_dataset)
    trainer.remove_callback(PrinterCallback)     # disable_tqdm=True would print each log dict instead
    trainer.train()
    return trainer


def as_blocks(ids, context: int) -> torch.Tensor:
    """(N, context) long tensor: ``ids`` cut into whole blocks of ``context`` tokens."""
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    n = len(ids) // context
    return ids[:n * context].view(n, context)


@torch.no_grad()
def heldout_nats(model, blocks: torch.Tensor, batch: int = 64) -> float:
    """Mean -ln p(x_t | x_<t inside the block) over positions 1 .. T-1 of each block, in nats per token.

    ``blocks`` (N, T) ids; ``model`` the book's :class:`TransformerLM` or a Hugging Face causal LM.
    The same blocks and the same average as ``Trainer.evaluate``'s ``eval_loss``.
    """
    from book_utils.tools.hf_port import next_token_logprobs

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(blocks), batch):
        x = blocks[i:i + batch]
        logp = next_token_logprobs(model, x)[:, :-1]                       # (B, T-1, V)
        total -= logp.gather(-1, x[:, 1:, None]).sum().item()
        count += x[:, 1:].numel()
    model.train(was_training)
    return total / count


def unigram_nats(train_ids, blocks: torch.Tensor, vocab_size: int) -> float:
    """The baseline: token frequencies of the training ids (add-one), scored like :func:`heldout_nats`."""
    counts = np.bincount(np.asarray(train_ids), minlength=vocab_size) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[blocks[:, 1:].numpy()].mean())


def bench(steps: int = 1000, vocab_size: int = 1024, seed: int = 0, threads: int = 1) -> dict:
    """The book's Transformer (its PyTorch loop) and GPT-2 (``Trainer``): same text, shape, recipe."""
    from transformers import GPT2LMHeadModel

    from book_utils.arm import transformer as book_transformer
    from book_utils.arm.charmodel import random_windows, train_steps
    from book_utils.arm.transformer import TransformerConfig, TransformerLM
    from book_utils.data.corpus import python_docs_text, split_text
    from book_utils.runs.torch_io import save_torch
    from book_utils.tools.hf_port import gpt2_config, port_to_gpt2
    from book_utils.tools.hf_tokenizer import compression, train_byte_bpe

    torch.set_num_threads(threads)
    train_text, valid_text = split_text(python_docs_text(), 0.1)
    tok = train_byte_bpe(train_text, vocab_size)
    config = TransformerConfig(vocab_size=tok.get_vocab_size(), context=64, d_model=64, heads=4, layers=2)
    batch, lr = 16, 3e-3
    train_ids = np.asarray(tok.encode(train_text).ids)
    valid_blocks = as_blocks(tok.encode(valid_text).ids, config.context)
    steps_per_epoch = len(train_ids) // (batch * config.context)
    out = {"what": "Section 7.3's side by side: the book's Transformer trained by its own PyTorch loop and "
                   "Hugging Face's GPT-2 trained by Trainer, same text, shape and recipe",
           "command": "python -m book_utils.tools.hf_train --bench",
           "date": datetime.date.today().isoformat(), "cpu": cpu_name(), "cpu_count": os.cpu_count(),
           "torch_threads": threads, "torch": torch.__version__, "transformers": transformers.__version__,
           "text": "CPython documentation topics (pydoc_data.topics), last 10 % of characters held out",
           "tokenizer": {"kind": "byte-level BPE (tokenizers)", "vocab_size": tok.get_vocab_size(),
                         **{f"heldout_{k}": v for k, v in compression(tok, valid_text).items()}},
           "model": {"context": config.context, "d_model": config.d_model, "heads": config.heads,
                     "layers": config.layers, "vocab_size": config.vocab_size, "tied_head": True},
           "recipe": {"steps": steps, "batch": batch, "lr": lr, "schedule": "cosine to 0, no warm-up",
                      "optimizer": "Adam (AdamW with weight decay 0 in Trainer)", "clip": 1.0, "seed": seed},
           "train_tokens": int(len(train_ids)), "heldout_tokens_scored": int(valid_blocks[:, 1:].numel()),
           "steps_per_epoch": steps_per_epoch,
           "loss_unit": "held-out cross-entropy, nats per BPE token (blocks of 64 tokens, positions 1-63)",
           "time_unit": "seconds per 1,000 optimiser steps of 16 x 64 tokens (wall and process CPU); "
                        "seconds per epoch = that x steps_per_epoch / 1000",
           "baseline_unigram_nats_per_token": unigram_nats(train_ids, valid_blocks, config.vocab_size)}
    tools = {}
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(seed)
        book = TransformerLM(config)
        opt = torch.optim.Adam(book.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        wall, cpu = time.perf_counter(), time.process_time()
        train_steps(book, opt, train_ids, steps, batch=batch, length=config.context,
                    generator=torch.Generator().manual_seed(seed), scheduler=sched)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        save_torch(Path(tmp) / "book.pt", book.state_dict())
        tools["book_transformer_pytorch_loop"] = {
            "code": "book_utils.arm.transformer (TransformerConfig, causal_mask, CausalSelfAttention, Block, "
                    "KVCache, TransformerLM) + book_utils.arm.charmodel (random_windows, train_steps)",
            "lines_model": code_lines(TransformerConfig, book_transformer.causal_mask,
                                      book_transformer.CausalSelfAttention, book_transformer.Block,
                                      book_transformer.KVCache, TransformerLM, docstrings=False),
            "lines_training": code_lines(random_windows, train_steps, docstrings=False),
            "wall_s_per_1000_steps": wall / steps * 1000, "cpu_s_per_1000_steps": cpu / steps * 1000,
            "heldout_nats_per_token": heldout_nats(book, valid_blocks),
            "files": {"book.pt": (Path(tmp) / "book.pt").stat().st_size},
            "file_formats": "torch.save state_dict (zip archive: pickle of tensor references + raw "
                            "storages), read back with weights_only=True"}

        from datasets import Dataset
        train_blocks = as_blocks(train_ids, config.context)
        data = Dataset.from_dict({"input_ids": train_blocks.tolist(), "labels": train_blocks.tolist()})
        torch.manual_seed(seed)
        gpt2 = port_to_gpt2(TransformerLM(config)).train()     # GPT-2 from the book model's initial weights
        wall, cpu = time.perf_counter(), time.process_time()
        trainer = train_gpt2(gpt2, data, steps, batch, lr, Path(tmp) / "trainer", seed=seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        folder = Path(tmp) / "gpt2"
        trainer.save_model(str(folder))
        transformers_tokenizer(tok).save_pretrained(str(folder))
        tools["hf_gpt2_trainer"] = {
            "code": "book_utils.tools.hf_port.gpt2_config + GPT2LMHeadModel (model; initial weights: the "
                    "book model's, ported, so both runs start alike); book_utils.tools.hf_train.train_gpt2 "
                    "(Trainer)",
            # + 1: the line GPT2LMHeadModel(gpt2_config(...))
            "lines_model": code_lines(gpt2_config, docstrings=False) + 1,
            "lines_training": code_lines(train_gpt2, docstrings=False),
            "library_lines_modeling_gpt2": code_lines(inspect.getmodule(GPT2LMHeadModel), docstrings=False),
            "wall_s_per_1000_steps": wall / steps * 1000, "cpu_s_per_1000_steps": cpu / steps * 1000,
            "heldout_nats_per_token": heldout_nats(gpt2, valid_blocks),
            "files": {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()},
            "file_formats": "save_pretrained: config.json + generation_config.json (JSON), model.safetensors "
                            "(JSON header + raw tensors, no pickle), tokenizer.json + tokenizer_config.json; "
                            "Trainer.save_model adds training_args.bin (torch.save pickle of the arguments)"}
        torch.manual_seed(seed)
        blocks_book = TransformerLM(config)
        _, curve = _train_on_blocks(blocks_book, train_blocks, steps, batch, lr, seed)
        ablation = {
            "what": "ablation: the book's model and a plain loop fed as Trainer feeds GPT-2 (fixed blocks of "
                    "64 tokens, reshuffled each epoch, 63 targets per block) instead of random windows",
            "heldout_nats_per_token": heldout_nats(blocks_book, valid_blocks),
            "last_50_steps_train_nats": float(np.mean(curve[-50:]))}
    for entry in tools.values():
        entry["wall_s_per_epoch"] = entry["wall_s_per_1000_steps"] * steps_per_epoch / 1000
        entry["heldout_bits_per_char"] = (entry["heldout_nats_per_token"] / math.log(2)
                                          / out["tokenizer"]["heldout_chars_per_token"])
    out["tools"] = tools
    out["ablation_book_transformer_on_shuffled_blocks"] = ablation
    out["load_average_1_5_15_min_at_end"] = list(os.getloadavg())   # other processes share the CPUs
    out["bits_per_char_note"] = "heldout_bits_per_char = nats per token / ln 2 / characters per token"
    return out


def _train_on_blocks(model, blocks: torch.Tensor, steps: int, batch: int, lr: float, seed: int):
    """The book's recipe over shuffled fixed blocks (N, T): epochs of a seeded permutation, T - 1 targets
    per block. Returns (model, per-step training losses in nats)."""
    from torch.nn import functional as F

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    order = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    model.train()
    while len(losses) < steps:
        for idx in torch.randperm(len(blocks), generator=order).split(batch):
            x = blocks[idx]
            logits, _ = model(x[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return model, losses


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", action="store_true", help="run the side-by-side benchmark")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--json", default=str(RESULTS), help="where to write the results")
    args = parser.parse_args(argv)
    if not args.bench:
        parser.print_help()
        return {}
    result = bench(steps=args.steps)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: {m: v[m] for m in ("heldout_nats_per_token", "wall_s_per_1000_steps",
                                            "lines_model", "lines_training")}
                      for k, v in result["tools"].items()}, indent=2))
    print("ablation:", result["ablation_book_transformer_on_shuffled_blocks"]["heldout_nats_per_token"])
    return result


if __name__ == "__main__":
    main()
