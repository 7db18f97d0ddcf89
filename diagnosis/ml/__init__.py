"""ECG engine: Django-free.

Readers, signal processing, rendering, the CNN, training and evaluation.
"""
