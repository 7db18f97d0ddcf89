"""Format readers behind :mod:`diagnosis.ml.io` (import the public API from there)."""
