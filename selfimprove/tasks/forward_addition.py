"""Forward addition: operands and sum written most-significant digit first, no padding.

    a=12,  b=345   prompt '12+345='   target '357'
    a=999, b=1     prompt '999+1='    target '1000'

The answer has max(len a, len b) or one more digit, so the prompt fixes the length only up
to that carry: the length rule admits both. Sampling (two n-digit operands; base data draws
the two lengths independently) is reverse addition's; only the writing differs.
"""

from __future__ import annotations

from selfimprove.tasks.reverse_addition import ReverseAddition


class ForwardAddition(ReverseAddition):
    name = "forward_addition"
    VERSION = 1

    def prompt_of(self, a: str, b: str) -> str:
        return f"{a}+{b}="

    @staticmethod
    def _operands(prompt: str) -> tuple[str, str]:
        a, b = prompt.rstrip("=").split("+")
        return a, b

    def answer(self, prompt: str) -> str:
        a, b = self._operands(prompt)
        return str(int(a) + int(b))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        longest = max(map(len, self._operands(prompt)))
        return longest, longest + 1
