"""Yiwang (一网): a one-stop government service platform."""

__version__ = "0.1.0"
