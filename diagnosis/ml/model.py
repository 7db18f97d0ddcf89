"""The CNN: a beat image plus an optional record-context vector -> 8 class probabilities.

Kept small on purpose (~3 M multiply-adds per beat) so a 2-core CPU trains it in minutes and
serves ~2,000 beats in well under a second through LiteRT. Imports TensorFlow: use only for
training, evaluation of the Keras model and export, never on the inference path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diagnosis.ml.classes import CLASSES
from diagnosis.ml.render import CHANNELS, H, W
from diagnosis.ml.signal import N_CONTEXT


def build_model(n_classes: int = len(CLASSES), seed: int = 0) -> Any:
    """Keras functional model with inputs ``image`` (H, W, 2) and ``context`` (N_CONTEXT,).

    Image channel 0 is the beat, channel 1 the record's dominant beat drawn the same way
    (zeros without record context), so morphology is judged relative to the patient.

    The context branch sees RR timing and template similarity; its last component is the
    availability flag, so the network learns to rely on the image alone when it is 0.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    img = keras.Input((H, W, CHANNELS), name="image")
    ctx = keras.Input((N_CONTEXT,), name="context")

    def conv(x: Any, filters: int, k: int, stride: int = 1) -> Any:
        x = layers.Conv2D(filters, k, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    x = conv(img, 16, 5, 2)  # 32x32
    x = layers.MaxPooling2D()(x)  # 16x16
    x = conv(x, 32, 3)
    x = layers.MaxPooling2D()(x)  # 8x8
    x = conv(x, 64, 3)
    x = layers.MaxPooling2D()(x)  # 4x4
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    c = layers.Dense(32, activation="relu")(ctx)
    c = layers.Dense(32, activation="relu")(c)
    z = layers.Concatenate()([x, c])
    z = layers.Dropout(0.4)(z)
    z = layers.Dense(64, activation="relu")(z)
    out = layers.Dense(n_classes, activation="softmax", name="probs")(z)
    return keras.Model([img, ctx], out, name="ecg_beat_cnn")


def export_tflite(model: Any, path: Path) -> Path:
    """Convert a Keras model to a float32 LiteRT flatbuffer at ``path``."""
    import tensorflow as tf

    # from_keras_model: converting a hand-made concrete function gave NaNs after training.
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path
