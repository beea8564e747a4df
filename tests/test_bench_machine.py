"""book_utils.bench.machine: what Chapter 7's benchmarks record about where they ran and their code."""

from book_utils.bench.machine import code_lines, machine


def example(x):
    """A docstring
    on two lines."""
    # a comment

    y = x + 1     # counted
    return (y,
            y)


def test_code_lines_skip_blank_and_comment_lines_and_count_docstrings_unless_asked():
    assert code_lines(example) == 6                       # def, the docstring's 2 lines, y = ..., return (2)
    assert code_lines(example, docstrings=False) == 4     # def, y = ..., return (2)
    assert code_lines(example, example) == 12


def test_machine_says_when_and_where():
    info = machine()
    assert info["logical_cores"] >= 1 and info["cpu"] and info["date"].endswith("UTC")
    assert info["load_average_1min"] >= 0 and info["python"].count(".") == 2
