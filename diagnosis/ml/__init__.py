"""ECG engine, free of Django: readers, signal processing, rendering, the CNN,
training and evaluation."""
