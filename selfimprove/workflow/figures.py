"""Figures written without a screen (the Agg backend) and atomically, like every other output."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from selfimprove.workflow.atomic import atomic_output


def save_figure(fig, out, **kwargs) -> None:
    with atomic_output(out) as tmp:
        fig.savefig(tmp, **kwargs)
    plt.close(fig)
