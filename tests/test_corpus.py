import pytest

from book_utils.data import corpus


def test_python_docs_text_is_read_at_run_time():
    text = corpus.python_docs_text()
    assert len(text) > 100_000 and "assert" in text
    assert text == corpus.read_text("python-docs")


def test_split_keeps_every_character():
    train, valid = corpus.split_text("abcdefghij", valid_fraction=0.2)
    assert (train, valid) == ("abcdefgh", "ij")


def test_empty_and_missing_corpus(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    with pytest.raises(corpus.CorpusError, match="empty"):
        corpus.read_text(str(empty))
    with pytest.raises(corpus.CorpusError, match="no such text file"):
        corpus.read_text(str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="valid_fraction"):
        corpus.split_text("abc", valid_fraction=1.5)
