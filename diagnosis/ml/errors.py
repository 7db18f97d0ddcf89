"""Errors raised by the ECG engine."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input. The message is one plain-English line safe to show the user."""


class TrainingCancelled(RuntimeError):
    """A training run's ``should_stop()`` said stop; nothing was written."""
