"""The CNNs: a beat image (plus, for records, its record context) -> 8 class probabilities.

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


def build_model(*, with_context: bool, n_classes: int = len(CLASSES), seed: int = 0) -> Any:
    """The record model (``with_context``) or the single-beat-picture model.

    Record model: inputs ``image`` (H, W, 2), channel 0 the beat and channel 1 the record's
    dominant beat drawn the same way (morphology judged relative to the patient), and
    ``context`` (N_CONTEXT,), RR ratios and template similarity. Beat model: input ``image``
    (H, W, 1) only, because a picture of one beat has neither timing nor a record to compare.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    img = keras.Input((H, W, CHANNELS if with_context else 1), name="image")

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
    inputs = [img]
    if with_context:
        ctx = keras.Input((N_CONTEXT,), name="context")
        inputs.append(ctx)
        c = layers.Dense(32, activation="relu")(ctx)
        c = layers.Dense(32, activation="relu")(c)
        x = layers.Concatenate()([x, c])
    z = layers.Dropout(0.4)(x)
    z = layers.Dense(64, activation="relu")(z)
    out = layers.Dense(n_classes, activation="softmax", name="probs")(z)
    name = "ecg_record_beat_cnn" if with_context else "ecg_beat_picture_cnn"
    return keras.Model(inputs, out, name=name)


def export_tflite(model: Any, path: Path) -> Path:
    """Convert a Keras model to a float32 LiteRT flatbuffer at ``path``."""
    import tensorflow as tf

    # from_keras_model: converting a hand-made concrete function gave NaNs after training.
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path
