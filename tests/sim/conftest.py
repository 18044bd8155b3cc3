"""The simulator tests' fixtures live in simkit.py, beside the helpers they use."""

from simkit import client, serve  # noqa: F401 - fixtures, made visible to pytest here
