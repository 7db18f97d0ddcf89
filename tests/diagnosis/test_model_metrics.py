"""The accuracy a result page shows comes from the network that made the call."""

from __future__ import annotations

from diagnosis.models import ModelVersion


def _version() -> ModelVersion:
    return ModelVersion(
        version="v",
        directory="v",
        metadata={
            "aami_map": {"PVC": "V"},
            "metrics": {
                "inter_patient_DS2": {
                    "classes8_per_class": {"PVC": {"n": 100, "se": 0.9, "ppv": 0.8}},
                    "aami_per_class": {"V": {"n": 120, "se": 0.91, "ppv": 0.85}},
                },
                "beat_pictures_DS2": {
                    "classes8_per_class": {"PVC": {"n": 40, "se": 0.7, "ppv": None}},
                    "aami_per_class": {"V": {"n": 40, "se": 0.75, "ppv": None}},
                },
            },
        },
    )


def test_a_recording_shows_the_record_models_figures() -> None:
    m = _version().class_metrics("PVC")
    assert m is not None and m["se"] == 0.9 and m["ppv"] == 0.8 and m["aami"]["se"] == 0.91


def test_a_beat_picture_shows_the_beat_models_figures_without_a_ppv() -> None:
    m = _version().class_metrics("PVC", beat_picture=True)
    assert m is not None and m["se"] == 0.7 and m["ppv"] is None and m["aami_class"] == "V"


def test_no_figures_means_none_shown() -> None:
    assert ModelVersion(version="x", directory="x", metadata={}).class_metrics("PVC") is None
