"""A byte-level BPE tokenizer trained locally with Hugging Face ``tokenizers`` (Rust, fast).

The same algorithm as the book's :class:`book_utils.arm.text.BytePairTokenizer` (Section 2.3):
byte-pair encoding (Sennrich et al. 2016) over UTF-8 bytes with GPT-2's byte-to-character map and
pre-tokenization (Radford et al. 2019), so every text can be encoded (no unknown tokens) and
``decode(encode(text)) == text`` exactly. Framework-free: imports ``tokenizers`` only.
"""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOS = "<|endoftext|>"          # GPT-2's end-of-text token: id 0 here, the only special token


def train_byte_bpe(text: str, vocab_size: int, min_frequency: int = 2) -> Tokenizer:
    """Learn a byte-level BPE vocabulary of ``vocab_size`` tokens from ``text`` (str).

    The vocabulary: ``EOS`` (id 0), the 256 byte symbols, then merges, most frequent first, until
    ``vocab_size`` (fewer if no pair occurs ``min_frequency`` times). No prefix space is added, so
    a text's tokens concatenate back to exactly that text.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("train_byte_bpe needs a non-empty str to learn merges from")
    if vocab_size < 257:
        raise ValueError(f"vocab_size must be at least 257 (the end-of-text token and 256 bytes), "
                         f"got {vocab_size}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator([text], trainer=trainer)
    return tokenizer


def compression(tokenizer: Tokenizer, text: str) -> dict:
    """How much text one token holds, measured on ``text`` (held-out text, ideally).

    Returns ``tokens``, ``bytes_per_token`` (UTF-8 bytes), ``chars_per_token`` and ``round_trip``
    (True when decoding the ids gives back ``text`` exactly).
    """
    ids = tokenizer.encode(text).ids
    return {"tokens": len(ids), "bytes_per_token": len(text.encode("utf-8")) / len(ids),
            "chars_per_token": len(text) / len(ids), "round_trip": tokenizer.decode(ids) == text}


def encode_ids(tokenizer: Tokenizer, text: str) -> list[int]:
    """Token ids of ``text`` (list of int), in one call (the Rust encoder)."""
    return tokenizer.encode(text).ids
