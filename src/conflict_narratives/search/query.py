"""The words-mode query language.

- ``word``: a document holding the word in any of its :func:`terms.forms`;
- ``"two words"`` (also “…” or «…»): the words next to each other, in that order; a word
  that folds into several (``l'armée``, ``U.S.``) is such a phrase too;
- ``a b`` or ``a AND b``: both; ``a OR b``: either; ``NOT a``: documents without it;
  parentheses group. ``NOT`` binds tightest, then ``AND``, then ``OR``; the operators are
  upper case (``and``, ``or``, ``not`` are words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conflict_narratives.search.terms import forms, words

OPERATORS = ("AND", "OR", "NOT")
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
_TOKEN = re.compile(r'"[^"]*"?|“[^”]*”?|«[^»]*»?|„[^“]*“?|[()]|[^\s()"“«„]+')


@dataclass(frozen=True)
class Phrase:
    """Folded words that must follow each other (one word: a plain term)."""

    words: tuple[str, ...]

    def forms(self) -> list[list[str]]:
        return [forms(w) for w in self.words]


@dataclass(frozen=True)
class Node:
    """``op`` ("AND", "OR", "NOT") over ``items``."""

    op: str
    items: tuple


def tokens(query: str) -> list[str]:
    return _TOKEN.findall(query)


def has_operators(query: str) -> bool:
    """True when ``query`` asks for exact matching: quotes, operators or parentheses."""
    return any(t in OPERATORS or t in "()" or t[0] in _QUOTES for t in tokens(query))


def parse(query: str):
    """``query`` as a tree of :class:`Node` and :class:`Phrase`; ``ValueError`` for a
    query with no words, unbalanced quotes or parentheses, or a dangling operator."""
    toks = tokens(query)
    for t in toks:
        if t[0] in _QUOTES and (len(t) < 2 or t[-1] != _QUOTES[t[0]]):
            raise ValueError(f"unbalanced quote in query {query!r}")
    parser = _Parser(toks, query)
    tree = parser.parse_or()
    if parser.pos < len(toks):
        raise ValueError(f"unexpected {toks[parser.pos]!r} in query {query!r}")
    if tree is None:
        raise ValueError(f"query {query!r} has no words to search for")
    return tree


def positive(tree) -> list[Phrase]:
    """The phrases a matching document holds (those not under ``NOT``)."""
    if isinstance(tree, Phrase):
        return [tree]
    if tree.op == "NOT":
        return []
    return [p for item in tree.items for p in positive(item)]


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not ([AND] not)*; not := NOT not | atom."""

    def __init__(self, toks: list[str], query: str):
        self.toks, self.query, self.pos = toks, query, 0

    def _peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _fail(self, what: str):
        raise ValueError(f"{what} in query {self.query!r}")

    def parse_or(self):
        items = [self.parse_and()]
        while self._peek() == "OR":
            self.pos += 1
            items.append(self.parse_and())
        return _combine("OR", items)

    def parse_and(self):
        items = [self.parse_not()]
        while self._peek() not in (None, "OR", ")"):
            if self._peek() == "AND":
                self.pos += 1
            items.append(self.parse_not())
        return _combine("AND", items)

    def parse_not(self):
        if self._peek() == "NOT":
            self.pos += 1
            item = self.parse_not()
            if item is None:
                self._fail("NOT with nothing to exclude")
            return Node("NOT", (item,))
        return self.parse_atom()

    def parse_atom(self):
        tok = self._peek()
        if tok is None or tok in ("AND", "OR", ")"):
            self._fail(f"an operator without a word ({tok or 'end'})")
        self.pos += 1
        if tok == "(":
            tree = self.parse_or()
            if self._peek() != ")":
                self._fail("unbalanced parentheses")
            self.pos += 1
            return tree
        folded = tuple(words(tok[1:-1] if tok[0] in _QUOTES else tok))
        return Phrase(folded) if folded else None


def _combine(op: str, items: list):
    """``items`` joined by ``op``, dropping words that fold to nothing (punctuation)."""
    items = [i for i in items if i is not None]
    return None if not items else items[0] if len(items) == 1 else Node(op, tuple(items))
