"""Shortest path in a random tree ("maze"); difficulty is the pair (nodes, hops).

The tree has `nodes` nodes with distinct labels 1..99; start and end are `hops` edges apart.
Every label is one token, as in the paper's maze tokenizer: internally label n is the character
`symbol(n)` (tasks/base.py); tables hold the text with numbers (`to_text`), `from_text` reads it back.
The prompt names start and end, then lists every node with its neighbours (nodes and
neighbours in random order); the answer is the unique path:

    prompt 'S>E#' + 'label:nbr,nbr' joined by '-' + '='      target 'S>...>E'

Construction, as the paper describes it: a path 0-1-...-hops is the answer; each remaining
node, taken from the end of the pending list, starts a random walk whose every step picks
uniformly among the attached and the still-pending nodes; pending nodes met on the way join
the tree (and leave the pending list), and the walk ends on reaching an attached node. Only
the walk's starting node becomes attached. Labels are then drawn without replacement.

The path length is not stated in the prompt, so the length rule only bounds the answer: at
least 'S>E', at most every label once. `validity` checks an answer against the prompt's tree
(format, moves along edges, endpoints): the paper's maze metrics and its oracle move filter.
"""

from __future__ import annotations

import random
import re

from selfimprove.tasks.base import Example, Task, number, symbol

MAX_LABEL = 99


def random_tree(rng: random.Random, nodes: int, hops: int) -> list[set[int]]:
    """Adjacency sets of a tree on 0..nodes-1 containing the path 0-1-...-hops."""
    adjacent = [set() for _ in range(nodes)]

    def link(u, v):
        adjacent[u].add(v)
        adjacent[v].add(u)

    for u in range(hops):
        link(u, u + 1)
    attached = list(range(hops + 1))
    pending = list(range(hops + 1, nodes))
    while pending:
        start = current = pending.pop()
        while True:
            nxt = rng.choice(attached + pending)
            link(current, nxt)
            if nxt in attached:
                break
            pending.remove(nxt)
            current = nxt
        attached.append(start)
    return adjacent


class Maze(Task):
    name = "maze"
    VERSION = 3  # 2: every label one token; 3: tables hold the labels as numbers
    PUNCTUATION = ">#:,-="
    alphabet = PUNCTUATION + "".join(symbol(n) for n in range(1, MAX_LABEL + 1))
    difficulty_unit = "nodes, hops"
    axes = ("nodes", "hops")

    def sample(self, rng: random.Random, difficulty) -> Example:
        nodes, hops = difficulty
        if not 1 <= hops < nodes <= MAX_LABEL:
            raise ValueError(f"maze needs 1 <= hops < nodes <= {MAX_LABEL}, got nodes={nodes}, hops={hops}")
        adjacent = random_tree(rng, nodes, hops)
        label = [symbol(x) for x in rng.sample(range(1, MAX_LABEL + 1), nodes)]
        order = list(range(nodes))
        rng.shuffle(order)
        entries = []
        for u in order:
            neighbours = list(adjacent[u])
            rng.shuffle(neighbours)
            entries.append(f"{label[u]}:" + ",".join(label[v] for v in neighbours))
        prompt = f"{label[0]}>{label[hops]}#" + "-".join(entries) + "="
        return Example(prompt, ">".join(label[: hops + 1]), (nodes, hops))

    def sample_base(self, rng: random.Random, lo, hi) -> Example:
        """Nodes and hops drawn independently from lo..hi (pairs: (nodes, hops)), hops < nodes."""
        while True:
            nodes, hops = rng.randint(lo[0], hi[0]), rng.randint(lo[1], hi[1])
            if hops < nodes:
                return self.sample(rng, (nodes, hops))

    @staticmethod
    def parse(prompt: str) -> tuple[str, str, dict[str, list[str]]]:
        """(start, end, adjacency) of a maze prompt."""
        head, body = prompt.rstrip("=").split("#")
        start, end = head.split(">")
        adjacency = {}
        for entry in body.split("-"):
            node, neighbours = entry.split(":")
            adjacency[node] = neighbours.split(",") if neighbours else []
        return start, end, adjacency

    def answer(self, prompt: str) -> str:
        start, end, adjacency = self.parse(prompt)
        previous, frontier = {start: None}, [start]
        while frontier:  # breadth-first search; the path in a tree is unique
            nxt = []
            for u in frontier:
                for v in adjacency[u]:
                    if v not in previous:
                        previous[v] = u
                        nxt.append(v)
            frontier = nxt
        path, node = [], end
        while node is not None:
            path.append(node)
            node = previous[node]
        return ">".join(reversed(path))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        start, end, adjacency = self.parse(prompt)
        return len(start) + 1 + len(end), sum(map(len, adjacency)) + len(adjacency) - 1

    def num_distinct(self, difficulty) -> float:
        return float("inf")

    def validity(self, prompt: str, answer: str) -> dict[str, bool]:
        """The paper's maze metrics: the answer is labels joined by '>' (format), each step follows
        an edge of the prompt's tree (moves), it starts at the start and ends at the end (endpoints)."""
        start, end, adjacency = self.parse(prompt)
        path = answer.split(">")
        well_formed = all(p in adjacency for p in path)
        moves = well_formed and all(b in adjacency[a] for a, b in zip(path, path[1:]))
        return {"valid_format": well_formed, "valid_moves": moves, "valid_endpoints": well_formed and path[0] == start and path[-1] == end}

    def to_text(self, text: str) -> str:
        """A prompt or answer with its labels as numbers: '62>94#55:62-...'."""
        return "".join(str(number(c)) if c not in Maze.PUNCTUATION else c for c in text)

    def from_text(self, text: str) -> str:
        """The inverse of `to_text`: numbers back to their one-token labels."""
        return re.sub(r"\d+", lambda m: symbol(int(m.group())), text)
