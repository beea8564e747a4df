"""What a tokenizer costs a language: bytes and tokens per character under byte-level BPE.

A byte-level BPE vocabulary (:class:`~book_utils.arm.text.BytePairTokenizer`, Sennrich et al. 2016,
byte-level as in GPT-2, Radford et al. 2019) learned from mostly English text merges English letters
into long tokens, while a Chinese character, three bytes in UTF-8, stays up to three tokens. Petrov et
al. 2023 ("Language Model Tokenizers Introduce Unfairness Between Languages") measure this premium
across languages. Pure Python.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from book_utils.arm.text import BytePairTokenizer


def first_merges(tokenizer: BytePairTokenizer, vocab_size: int) -> BytePairTokenizer:
    """The tokenizer of ``vocab_size`` tokens learning would have stopped at: its first merges.

    BPE learns merges one at a time, so the first ``vocab_size - 256`` are exactly the vocabulary
    a shorter run would learn."""
    if not 256 <= vocab_size <= tokenizer.vocab_size:
        raise ValueError(f"vocab_size must be between 256 and {tokenizer.vocab_size}, got {vocab_size}")
    n = vocab_size - 256
    return BytePairTokenizer(tokenizer.merges[:n], tokenizer.merge_counts[:n])


def cost(tokenizer: BytePairTokenizer, text: str) -> dict[str, float]:
    """Bytes per token, tokens per character and UTF-8 bytes per character of ``text``."""
    if not text:
        raise ValueError("the text is empty")
    tokens, data = len(tokenizer.encode(text)), len(text.encode("utf-8"))
    return {"bytes_per_token": data / tokens, "tokens_per_char": tokens / len(text),
            "bytes_per_char": data / len(text)}


TITLE = re.compile(r"^#\s+[\d.]+\s+(?P<english>.+?)\s+·\s+(?P<chinese>.+?)\s*$", re.MULTILINE)


def bilingual_titles(folder: str | Path) -> list[tuple[str, str]]:
    """(English, Chinese) title of every notebook under ``folder`` whose first cell opens with the
    book's title line "# N.M English · Chinese" (sorted by path): one meaning written in two languages."""
    titles = []
    for path in sorted(Path(folder).rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        match = TITLE.search("".join(cells[0]["source"])) if cells else None
        if match:
            titles.append((match["english"], match["chinese"]))
    return titles
