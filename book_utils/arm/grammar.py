"""A tiny probabilistic grammar over characters whose entropy rate is known exactly.

A language model's validation loss can only be judged against the true
entropy rate of its source, which for real text nobody knows. For text drawn
from this grammar we do know it, so "the model learned the distribution"
becomes a number: its loss is within a few percent of the source's entropy.

The grammar is written at word level: each state lists (string, probability,
next state) choices. It is compiled into a character-level machine whose
states are the nodes of one trie per word state, so each (state, character)
pair has exactly one successor (the source is *unifilar*) and the past
characters determine the state. For such a source the entropy rate is

    H = sum_s pi(s) * H(next character | state s)     (bits per character),

with pi the stationary distribution of the character-level Markov chain.
Pure NumPy (no deep-learning framework).
"""

from __future__ import annotations

import math

import numpy as np

# word-level rules: state -> [(string, probability, next state)]
TOY_RULES: dict[str, list[tuple[str, float, str]]] = {
    "S": [("the ", 0.6, "SUBJ"), ("a ", 0.4, "SUBJ_SG")],
    "SUBJ": [("cat ", 0.3, "VERB_SG"), ("dog ", 0.2, "VERB_SG"),
             ("cats ", 0.3, "VERB_PL"), ("dogs ", 0.2, "VERB_PL")],
    "SUBJ_SG": [("cat ", 0.5, "VERB_SG"), ("dog ", 0.3, "VERB_SG"), ("bird ", 0.2, "VERB_SG")],
    "VERB_SG": [("sees ", 0.4, "OBJ"), ("likes ", 0.4, "OBJ"), ("sleeps", 0.2, "END")],
    "VERB_PL": [("see ", 0.4, "OBJ"), ("like ", 0.4, "OBJ"), ("sleep", 0.2, "END")],
    "OBJ": [("the ", 0.5, "NOUN"), ("a ", 0.5, "NOUN")],
    "NOUN": [("fish", 0.5, "END"), ("bird", 0.3, "END"), ("cake", 0.2, "END")],
    "END": [(".\n", 0.7, "S"), (" and ", 0.3, "S")],
}


class GrammarError(ValueError):
    """The grammar is malformed, or a string is not in its language."""


class CharGrammar:
    """A unifilar probabilistic finite-state source of characters.

    ``rules`` maps a word state to its (string, probability, next state) choices; the
    strings leaving one state must be non-empty and prefix-free, probabilities sum to 1.
    Attributes: ``alphabet`` (sorted characters), ``next_state`` (S, A) int array (-1 where
    a character is impossible), ``probs`` (S, A) next-character probabilities.
    """

    def __init__(self, rules: dict[str, list[tuple[str, float, str]]] | None = None, start: str = "S"):
        rules = TOY_RULES if rules is None else rules
        if start not in rules:
            raise GrammarError(f"start state {start!r} has no rules")
        self.rules, self.start_word_state = rules, start
        self.alphabet = sorted({ch for choices in rules.values() for text, _, _ in choices for ch in text})
        self.index = {ch: i for i, ch in enumerate(self.alphabet)}
        roots = {name: i for i, name in enumerate(rules)}      # trie root of each word state
        edges: dict[int, dict[str, tuple[float, int]]] = {i: {} for i in roots.values()}
        next_id = len(roots)
        for name, choices in rules.items():
            total = sum(p for _, p, _ in choices)
            if not math.isclose(total, 1.0, abs_tol=1e-9) or any(p <= 0 for _, p, _ in choices):
                raise GrammarError(f"state {name!r}: probabilities must be positive and sum to 1, "
                                   f"got {[p for _, p, _ in choices]}")
            texts = [t for t, _, _ in choices]
            for t in texts:
                if not t or any(o != t and o.startswith(t) for o in texts) or texts.count(t) > 1:
                    raise GrammarError(f"state {name!r}: strings must be non-empty, distinct and "
                                       f"prefix-free, {t!r} is not")
            for text, p, target in choices:
                if target not in roots:
                    raise GrammarError(f"state {name!r} leads to unknown state {target!r}")
                node = roots[name]
                for pos, ch in enumerate(text):
                    last = pos == len(text) - 1
                    if ch in edges[node]:
                        reach, child = edges[node][ch]
                        edges[node][ch] = (reach + p, child)
                    else:
                        child = roots[target] if last else next_id
                        if not last:
                            edges[next_id] = {}
                            next_id += 1
                        edges[node][ch] = (p, child)
                    node = child
        # edges hold the total probability (from the word state's root) of strings through each
        # edge; divide by the mass reaching the node to get conditional next-character probabilities
        n_states = next_id
        self.next_state = np.full((n_states, len(self.alphabet)), -1, dtype=np.int64)
        self.probs = np.zeros((n_states, len(self.alphabet)))
        for node, out in edges.items():
            mass = sum(p for p, _ in out.values())
            for ch, (p, child) in out.items():
                self.next_state[node, self.index[ch]] = child
                self.probs[node, self.index[ch]] = p / mass
        self.start = roots[start]
        self.roots = roots

    @property
    def n_states(self) -> int:
        return len(self.probs)

    def transition_matrix(self) -> np.ndarray:
        """(S, S) state-to-state probabilities of the character-level Markov chain."""
        matrix = np.zeros((self.n_states, self.n_states))
        rows, cols = np.nonzero(self.next_state >= 0)
        np.add.at(matrix, (rows, self.next_state[rows, cols]), self.probs[rows, cols])
        return matrix

    def stationary(self) -> np.ndarray:
        """(S,) stationary distribution pi = pi P, solved exactly as a linear system."""
        matrix = self.transition_matrix()
        n = self.n_states
        system = np.vstack([matrix.T - np.eye(n), np.ones((1, n))])
        rhs = np.zeros(n + 1)
        rhs[-1] = 1.0
        pi, *_ = np.linalg.lstsq(system, rhs, rcond=None)
        return np.clip(pi, 0.0, None) / np.clip(pi, 0.0, None).sum()

    def state_entropies(self) -> np.ndarray:
        """(S,) entropy in bits of the next character in each state."""
        p = self.probs
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, -p * np.log2(p), 0.0)
        return terms.sum(1)

    def entropy_rate(self) -> float:
        """The exact entropy rate of the source in bits per character."""
        return float(self.stationary() @ self.state_entropies())

    def sample(self, n_chars: int, seed: int = 0) -> str:
        """Generate ``n_chars`` characters, starting at the start state."""
        rng = np.random.default_rng(seed)
        state, out = self.start, []
        cumulative = np.cumsum(self.probs, axis=1)
        for u in rng.random(n_chars):
            c = min(int(np.searchsorted(cumulative[state], u, side="right")), len(self.alphabet) - 1)
            while self.probs[state, c] == 0:     # guard against rounding at the top of cumsum
                c -= 1
            out.append(self.alphabet[c])
            state = self.next_state[state, c]
        return "".join(out)

    def log_prob(self, text: str, state: int | None = None) -> float:
        """log2 probability (bits) of ``text`` read from ``state`` (default: the start state).

        Raises GrammarError at the first character the grammar cannot produce there.
        """
        state = self.start if state is None else state
        total = 0.0
        for pos, ch in enumerate(text):
            c = self.index.get(ch)
            if c is None or self.next_state[state, c] < 0:
                raise GrammarError(f"character {ch!r} at position {pos} of {text[:40]!r} is not "
                                   "allowed by the grammar there")
            total += math.log2(self.probs[state, c])
            state = self.next_state[state, c]
        return total

    def accepts(self, sentence: str) -> bool:
        """Whether a whole sentence (ending in '.', without the newline) is in the language."""
        try:
            self.log_prob(sentence + "\n")
        except GrammarError:
            return False
        return True

    def monte_carlo_entropy(self, n_chars: int = 200_000, seed: int = 0) -> float:
        """Estimate the entropy rate (bits/char) as -log2 p(sample) / length of one long sample."""
        return -self.log_prob(self.sample(n_chars, seed)) / n_chars

    def word_level_entropy_rate(self) -> float:
        """The same rate computed another way: bits per word choice / characters per word choice."""
        names = list(self.rules)
        matrix = np.zeros((len(names), len(names)))
        for i, name in enumerate(names):
            for _, p, target in self.rules[name]:
                matrix[i, names.index(target)] += p
        system = np.vstack([matrix.T - np.eye(len(names)), np.ones((1, len(names)))])
        rhs = np.zeros(len(names) + 1)
        rhs[-1] = 1.0
        pi, *_ = np.linalg.lstsq(system, rhs, rcond=None)
        bits = sum(pi[i] * -sum(p * math.log2(p) for _, p, _ in self.rules[n]) for i, n in enumerate(names))
        chars = sum(pi[i] * sum(p * len(t) for t, p, _ in self.rules[n]) for i, n in enumerate(names))
        return float(bits / chars)
