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


def test_corpus_errors_are_dataset_errors():
    from book_utils.data import DatasetError
    from book_utils.errors import BookError

    assert issubclass(corpus.CorpusError, DatasetError) and issubclass(corpus.CorpusError, BookError)


def test_directory_instead_of_text_file(tmp_path):
    from book_utils.data import DatasetError

    with pytest.raises(DatasetError, match="is a directory, not a text file; give a UTF-8 text file") as err:
        corpus.read_text(str(tmp_path))
    assert str(tmp_path) in str(err.value)


def test_text_that_is_not_utf8_names_the_file_and_a_remedy(tmp_path):
    from book_utils.data import DatasetError

    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café au lait\n".encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8 text") as err:
        corpus.read_text(str(latin1))
    assert str(latin1) in str(err.value) and "convert it to UTF-8" in str(err.value)


@pytest.mark.parametrize("content", [b"", b" \n\t\n"])
def test_empty_text_file_names_the_file_and_a_remedy(tmp_path, content):
    from book_utils.data import DatasetError

    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    with pytest.raises(DatasetError, match="empty") as err:
        corpus.read_text(str(empty))
    assert str(empty) in str(err.value) and "give a file that holds some" in str(err.value)
