"""String reverse: write a digit string backwards.

    prompt '5028='   target '8205'

Everything but the answer is string copy's: same prompts, alphabet and length rule.
"""

from __future__ import annotations

from selfimprove.tasks.copy import Copy


class Reverse(Copy):
    name = "reverse"
    VERSION = 1

    def answer(self, prompt: str) -> str:
        return prompt.rstrip("=")[::-1]
