"""Character-level tokenizer: one character is one token, plus three special tokens.

It serialises to a plain dict so that it travels inside `model.pt`.
"""

from __future__ import annotations

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("[PAD]", "[BOS]", "[EOS]")
# In a prompt, this character is the [EOS] token: the end of one line of a packed sequence, after
# which the next line starts (counting's packed protocol). No alphabet may hold it.
EOS_CHAR = "\x1e"


class CharTokenizer:
    def __init__(self, chars: str):
        if len(set(chars)) != len(chars):
            raise ValueError(f"duplicate characters in tokenizer alphabet {chars!r}")
        if EOS_CHAR in chars:
            raise ValueError("the tokenizer alphabet may not hold EOS_CHAR (it encodes as [EOS])")
        self.chars = chars
        self._ids = {c: i + len(SPECIALS) for i, c in enumerate(chars)} | {EOS_CHAR: EOS}

    @property
    def vocab_size(self) -> int:
        return len(SPECIALS) + len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self._ids[c] for c in text]
        except KeyError as err:
            raise ValueError(f"character {err.args[0]!r} is not in the alphabet {self.chars!r}") from None

    def decode(self, ids) -> str:
        """Characters of `ids`, stopping at the first [EOS]; [PAD]/[BOS] are skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i >= len(SPECIALS):
                out.append(self.chars[i - len(SPECIALS)])
        return "".join(out)

    def to_dict(self) -> dict:
        return {"chars": self.chars}

    @classmethod
    def from_dict(cls, d: dict) -> CharTokenizer:
        return cls(d["chars"])
