"""Single-beat image benchmark (not a test): DS2 beats drawn as plots, read back, classified.

Why: uploaded beat images have no RR context, so the beat model judges them from the picture
alone; this measures how well that works on unseen (DS2) patients' beats drawn by matplotlib,
as PNG with a thin line and as JPEG (quality 50) with a thick line, random figure aspect.
Needs ../shared/data/mitdb. Writes benchmarks/engine_beat_images.json, a RESULTS.md section,
and the per-class sensitivities into the model's metadata (``metrics.beat_pictures_DS2``, what
the result page of a beat picture shows; the sample is balanced by class, so it gives no PPV).
Run from the repo root: ``python benchmarks/engine_beat_images.py``.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnosis.ml import dataset as ds  # noqa: E402
from diagnosis.ml import signal as sig  # noqa: E402
from diagnosis.ml.classes import CLASS_AAMI, SYMBOL_CLASS_STRICT  # noqa: E402
from diagnosis.ml.evaluate import update_section  # noqa: E402
from diagnosis.ml.image import read_beat_image  # noqa: E402
from diagnosis.ml.predict import Classifier  # noqa: E402

RECORDS = ("100", "200", "202", "212", "214", "231", "233")
PER_RECORD_CLASS = 8
STYLES = ("png_thin", "jpeg50_thick")


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    data = ds.default_data_dir()
    ds.check_data_dir(data, RECORDS)
    clf = Classifier.load()
    rng = np.random.default_rng(0)
    hits: dict[str, dict[str, list[tuple[bool, bool]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in RECORDS:
            b = ds.record_beats(data, r, None)
            for s in ("N", "L", "R", "A", "V"):
                idx = np.nonzero(b.symbol == s)[0]
                for i in rng.choice(idx, min(PER_RECORD_CLASS, len(idx)), replace=False):
                    w = b.wide[i, sig.WIDE_PRE - sig.PRE : sig.WIDE_PRE - sig.PRE + sig.WIN]
                    for style in STYLES:
                        fig = plt.figure(figsize=(rng.uniform(2, 4), rng.uniform(2, 4)), dpi=50)
                        ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
                        ax.plot(w, "k", lw=1 if style == "png_thin" else 3)
                        ax.axis("off")
                        path = Path(tmp) / f"{r}_{i}_{style}"
                        if style == "png_thin":
                            path = path.with_suffix(".png")
                            fig.savefig(path)
                        else:
                            path = path.with_suffix(".jpg")
                            buf = io.BytesIO()
                            fig.savefig(buf, format="png")
                            Image.open(buf).convert("L").save(path, quality=50)
                        plt.close(fig)
                        out = clf.classify_beat_waveform(read_beat_image(path))
                        want = SYMBOL_CLASS_STRICT[s]
                        hits.setdefault(want, {}).setdefault(style, []).append(
                            (out["label"] == want, out["aami"] == CLASS_AAMI[want])
                        )
    res: dict[str, Any] = {
        "model": clf.version,
        "records": list(RECORDS),
        "per_class": {
            c: {
                st: {
                    "n": len(v),
                    "class_accuracy": float(np.mean([a for a, _ in v])),
                    "aami_accuracy": float(np.mean([b for _, b in v])),
                }
                for st, v in d.items()
            }
            for c, d in hits.items()
        },
    }
    (ROOT / "benchmarks" / "engine_beat_images.json").write_text(json.dumps(res, indent=2) + "\n")
    _store_in_metadata(clf, hits)
    lines = [
        "## ECG engine: single beat images (no RR context)",
        "",
        f"Model `{res['model']}`; DS2 beats (records {', '.join(RECORDS)}; up to "
        f"{PER_RECORD_CLASS} per record and class) drawn with matplotlib (random aspect, axes "
        "off), read back by `image.read_beat_image`, classified by `classify_beat_waveform`. "
        "Classified by the beat model (trained on images only). A single beat carries no "
        "timing, so APCs (defined by prematurity) can only be told by shape (P wave).",
        "",
        "| class | style | n | 8-class accuracy | AAMI accuracy |",
        "|---|---|---|---|---|",
    ]
    for c, d in res["per_class"].items():
        for st, m in d.items():
            lines.append(
                f"| {c} | {st} | {m['n']} | {m['class_accuracy']:.2f} | {m['aami_accuracy']:.2f} |"
            )
    lines += ["", "Reproduce: `python benchmarks/engine_beat_images.py`.", ""]
    update_section(ROOT / "benchmarks" / "RESULTS.md", "engine-images", "\n".join(lines))
    print("\n".join(lines))
    return 0


def _store_in_metadata(
    clf: Classifier, hits: dict[str, dict[str, list[tuple[bool, bool]]]]
) -> None:
    """Per-class sensitivity over both picture styles, in the version's metadata (not hashed)."""
    from diagnosis.ml import artifacts

    per8 = {}
    per_aami: dict[str, list[bool]] = {}
    for c, d in hits.items():
        pairs = [p for v in d.values() for p in v]
        per8[c] = {"n": len(pairs), "se": float(np.mean([a for a, _ in pairs])), "ppv": None}
        per_aami.setdefault(str(CLASS_AAMI[c]), []).extend(b for _, b in pairs)
    meta = json.loads((clf.model_dir / artifacts.METADATA).read_text())
    meta.setdefault("metrics", {})["beat_pictures_DS2"] = {
        "note": "DS2 beats drawn as plots, read back and classified by the beat model "
        "(benchmarks/engine_beat_images.py); class-balanced sample, so no PPV",
        "classes8_per_class": per8,
        "aami_per_class": {
            a: {"n": len(v), "se": float(np.mean(v)), "ppv": None} for a, v in per_aami.items()
        },
    }
    artifacts.write_metadata(clf.model_dir, meta)


if __name__ == "__main__":
    raise SystemExit(main())
