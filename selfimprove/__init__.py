"""selfimprove: easy-to-hard self-improvement experiments for small transformers."""

__version__ = "0.1.0"
