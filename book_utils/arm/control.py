"""Controlled generation on the book's grammar (Section 3.3's :mod:`book_utils.arm.grammar`).

A control token written before each sentence tells the model which kind of sentence follows, as
CTRL (Keskar et al. 2019) prepends a control code to every training text. Here the kind is the
grammatical number of the subjects: ``S`` before a line whose every clause has a singular subject
("a cat sees the fish."), ``P`` before one whose every clause has a plural subject ("the dogs sleep.").
Lines that mix both get no control token and are left out of the controlled corpus.

The grammar's own word-level rules parse a line (:func:`parse_words`), so whether a generated line
obeys its control token is decided by the grammar, not by a learned classifier. Pure Python.
"""

from __future__ import annotations

from book_utils.arm.grammar import TOY_RULES, CharGrammar, GrammarError

#: the control token of each subject number, and the grammar state a subject of that number leads to
CONTROLS = {"S": "VERB_SG", "P": "VERB_PL"}


def parse_words(line: str, rules: dict = TOY_RULES, start: str = "S") -> list[tuple[str, str, str]]:
    """The word-level derivation of one line (without its newline): [(state, word, next state), ...].

    Each state's strings are prefix-free, so at most one choice matches at each point. Raises
    :class:`~book_utils.arm.grammar.GrammarError` when the line is not a sentence of the grammar.
    """
    text, state, steps = line + "\n", start, []
    while text:
        match = [(word, target) for word, _, target in rules[state] if text.startswith(word)]
        if not match:
            raise GrammarError(f"{line!r}: no rule of state {state!r} matches {text[:12]!r}")
        word, target = match[0]
        steps.append((state, word, target))
        text, state = text[len(word):], target
    if steps[-1][1] != ".\n":
        raise GrammarError(f"{line!r}: does not end a sentence ('.')")
    return steps


def subject_numbers(line: str, rules: dict = TOY_RULES) -> list[str]:
    """The control token (``S`` or ``P``) of each clause's subject, in order; raises on a non-sentence."""
    by_state = {state: token for token, state in CONTROLS.items()}
    return [by_state[target] for _, _, target in parse_words(line, rules) if target in by_state]


def line_control(line: str) -> str | None:
    """``S`` or ``P`` when every clause of a grammatical line has that number, else None."""
    numbers = set(subject_numbers(line))
    return numbers.pop() if len(numbers) == 1 else None


def controlled_corpus(grammar: CharGrammar, n_chars: int, seed: int = 0) -> str:
    """Lines sampled from the grammar, each prefixed by its control token; mixed lines are dropped.
    Every line ends in a newline; the text starts with one, so each control token follows a newline."""
    lines = grammar.sample(n_chars, seed).split("\n")[:-1]            # the last line may be cut off
    kept = [f"{control}{line}" for line in lines if (control := line_control(line)) is not None]
    return "\n" + "\n".join(kept) + "\n"


def control_success(lines: list[str], control: str) -> float:
    """Share of generated lines (control token removed, no newline) that are sentences of the grammar
    with every subject of the number ``control`` asks for. A line that does not parse is a failure."""
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {sorted(CONTROLS)}, got {control!r}")
    if not lines:
        raise ValueError("no lines to judge")
    good = 0
    for line in lines:
        try:
            good += line_control(line) == control
        except GrammarError:
            pass
    return good / len(lines)
