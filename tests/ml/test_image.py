"""Single-beat images: beats plotted like the classic 2-D beat plots, and images to refuse."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import wfdb
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from diagnosis.ml.errors import InputError
from diagnosis.ml.image import MAX_IMAGE_PIXELS, check_image, read_beat_image
from diagnosis.ml.io import detect_kind, validate_upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fixture_beats() -> list[np.ndarray]:
    """Beats of the mitdb 100 excerpt (MLII, 360 Hz): 0.25 s before to 0.45 s after each R."""
    record = wfdb.rdrecord(str(FIXTURES / "mitdb_100_excerpt"), channels=[0])
    ann = wfdb.rdann(str(FIXTURES / "mitdb_100_excerpt"), "atr")
    sig = record.p_signal[:, 0]
    beats = [
        sig[s - 90 : s + 162]
        for s, sym in zip(ann.sample, ann.symbol, strict=True)
        if sym in "NA" and s - 90 >= 0 and s + 162 <= sig.size
    ]
    return beats


BEATS = _fixture_beats()
NORMAL, PREMATURE = BEATS[1], BEATS[7]  # an N and the A beat of the excerpt
# A wide ventricular-looking beat, so a shape unlike the sinus beats is covered too.
_t = np.linspace(-1, 1, 252)
WIDE = -1.4 * np.exp(-(((_t + 0.05) / 0.12) ** 2)) + 0.5 * np.exp(-(((_t - 0.45) / 0.15) ** 2))


def _render(
    beat: np.ndarray,
    path: Path,
    size: tuple[int, int] = (128, 128),
    *,
    lw: float = 1.0,
    color: str = "black",
    margin: float = 0.0,
    ylim: tuple[float, float] | None = None,
    quality: int | None = None,
    transparent: bool = False,
    dpi: int = 100,
) -> Path:
    """Plot a beat like the classic beat images: a line, no axes, optional margins.

    The pen must stay thinner than the QRS (a few pixels at 128 x 128): a pen wider than the
    spike merges its up- and downstroke into one blob, and no reader can separate them again.
    """
    fig = plt.figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    ax = fig.add_axes((margin, margin, 1 - 2 * margin, 1 - 2 * margin))
    ax.plot(beat, color=color, linewidth=lw)
    ax.set_xlim(0, beat.size - 1)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.axis("off")
    kwargs: dict[str, Any] = {"dpi": dpi, "transparent": transparent}
    if quality is not None:
        kwargs["pil_kwargs"] = {"quality": quality}
    fig.savefig(path, **kwargs)
    plt.close(fig)
    return path


def _correlation(curve: np.ndarray, beat: np.ndarray) -> float:
    resampled = np.interp(np.linspace(0, 1, beat.size), np.linspace(0, 1, curve.size), curve)
    return float(np.corrcoef(resampled, beat)[0, 1])


@pytest.mark.parametrize("beat", [NORMAL, PREMATURE, WIDE], ids=["N", "A", "wide"])
def test_the_classic_128_pixel_plot_is_read_back(tmp_path: Path, beat: np.ndarray) -> None:
    curve = read_beat_image(_render(beat, tmp_path / "beat.png"))
    assert curve.dtype == np.float32 and curve.ndim == 1
    assert curve.min() >= 0.0 and curve.max() <= 1.0
    assert curve.size >= 120  # one value per column across the trace
    assert _correlation(curve, beat) > 0.95


@pytest.mark.parametrize(
    ("size", "options"),
    [
        ((128, 128), {"lw": 3.0}),
        ((96, 96), {"lw": 0.7}),
        ((128, 64), {"lw": 1.0}),
        ((640, 240), {"lw": 1.5, "margin": 0.12}),
        ((200, 500), {"lw": 2.0, "margin": 0.05}),
        ((1200, 900), {"lw": 0.8}),
        ((300, 300), {"color": "tab:blue", "lw": 2.0}),
        ((300, 300), {"color": "red", "margin": 0.2}),
        ((256, 256), {"quality": 30}),
        ((128, 128), {"quality": 30, "lw": 2.0}),
        ((128, 128), {"quality": 30, "lw": 0.6}),
        ((256, 256), {"transparent": True}),
    ],
    ids=[
        "thick", "small-thin", "flat", "wide-margins", "tall", "large-thin", "blue", "red-margins",
        "jpeg30", "jpeg30-small", "jpeg30-thin", "transparent",
    ],
)  # fmt: skip
def test_varied_plots_are_read_back(
    tmp_path: Path, size: tuple[int, int], options: dict[str, object]
) -> None:
    suffix = ".jpg" if "quality" in options else ".png"
    for beat in [*BEATS, WIDE]:
        path = _render(beat, tmp_path / f"beat{suffix}", size, **options)  # type: ignore[arg-type]
        curve = read_beat_image(path)
        assert _correlation(curve, beat) > 0.95, options


def test_values_are_heights_with_one_at_the_top(tmp_path: Path) -> None:
    low, high = float(NORMAL.min()), float(NORMAL.max())
    curve = read_beat_image(_render(NORMAL, tmp_path / "b.png", (400, 400), ylim=(low, high)))
    expected = (NORMAL - low) / (high - low)
    resampled = np.interp(np.linspace(0, 1, NORMAL.size), np.linspace(0, 1, curve.size), curve)
    assert np.max(np.abs(resampled - expected)) < 0.08
    assert np.argmax(curve) / curve.size == pytest.approx(np.argmax(NORMAL) / NORMAL.size, abs=0.02)


def test_a_cropped_peak_is_read_as_far_as_it_is_drawn(tmp_path: Path) -> None:
    low, high = float(NORMAL.min()), float(NORMAL.max())
    top = low + 0.6 * (high - low)  # the R peak runs off the top of the image
    curve = read_beat_image(_render(NORMAL, tmp_path / "c.png", (300, 300), ylim=(low, top)))
    assert curve.max() > 0.97
    assert _correlation(curve, np.minimum(NORMAL, top)) > 0.95


def test_an_rgba_image_with_a_light_trace_on_transparency_is_read(tmp_path: Path) -> None:
    path = _render(NORMAL, tmp_path / "w.png", (256, 256), color="white", transparent=True)
    assert Image.open(path).mode == "RGBA"
    assert _correlation(read_beat_image(path), NORMAL) > 0.95


def test_a_beat_image_is_detected_by_content_whatever_its_name(tmp_path: Path) -> None:
    png = _render(NORMAL, tmp_path / "beat.png").rename(tmp_path / "beat.csv")  # misleading
    jpg = tmp_path / "upload_0f3b"  # stored under a generated name, no extension
    Image.open(png).convert("RGB").save(jpg, format="JPEG")
    for path in (png, jpg):
        assert detect_kind(path) == "beat_image"
        assert validate_upload(path) == "beat_image"
        assert read_beat_image(path).size > 100


def test_a_16_bit_greyscale_png_is_read(tmp_path: Path) -> None:
    rgb = tmp_path / "rgb.png"
    _render(NORMAL, rgb, (256, 256))
    grey16 = (np.asarray(Image.open(rgb).convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    path = tmp_path / "grey16.png"
    Image.fromarray(grey16).save(path)
    assert Image.open(path).mode.startswith("I")
    assert _correlation(read_beat_image(path), NORMAL) > 0.95


def test_a_very_wide_image_is_reduced_before_tracing(tmp_path: Path) -> None:
    path = _render(NORMAL, tmp_path / "wide.png", (6000, 600), lw=3.0)
    curve = read_beat_image(path)
    assert curve.size <= 4096
    assert _correlation(curve, NORMAL) > 0.95


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size but holds a few bytes (never decode it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [20_000, 7_000])
def test_a_huge_image_is_refused_before_decoding(tmp_path: Path, side: int) -> None:
    assert side * side > MAX_IMAGE_PIXELS
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(side, side))
    assert path.stat().st_size < 2000
    for check in (read_beat_image, check_image, validate_upload):
        with pytest.raises(InputError, match="too large"):
            check(path)


def test_non_image_bytes_named_png_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "beat.png"
    path.write_bytes(b"\x00\x01\x02 this is not a picture" * 50)
    with pytest.raises(InputError):
        read_beat_image(path)
    with pytest.raises(InputError, match="not a supported ECG format"):
        detect_kind(path)


def test_a_truncated_png_is_refused(tmp_path: Path) -> None:
    good = _render(NORMAL, tmp_path / "good.png", (300, 300))
    bad = tmp_path / "bad.png"
    bad.write_bytes(good.read_bytes()[:600])
    with pytest.raises(InputError, match="damaged"):
        read_beat_image(bad)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_beat_image(path)


def test_a_blank_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    Image.new("RGB", (128, 128), "white").save(path)
    with pytest.raises(InputError, match="blank"):
        read_beat_image(path)


def test_random_noise_is_not_a_beat_plot(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "noise.png"
    Image.fromarray(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)).save(path)
    with pytest.raises(InputError, match="does not look like a single-beat plot"):
        read_beat_image(path)


def test_a_photo_like_image_is_not_a_beat_plot(tmp_path: Path) -> None:
    yy, xx = np.mgrid[0:240, 0:320]
    photo = np.stack([(xx * 0.8) % 256, (yy * 1.1) % 256, (xx + yy) % 256], axis=-1)
    photo[60:200, 80:260] = (30, 40, 50)  # a large dark object
    path = tmp_path / "photo.jpg"
    Image.fromarray(photo.astype(np.uint8)).save(path, quality=85)
    with pytest.raises(InputError, match="does not look like a single-beat plot"):
        read_beat_image(path)


def test_a_gif_is_refused_with_the_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "beat.gif"
    Image.new("L", (64, 64), 255).save(path)
    with pytest.raises(InputError, match="PNG, JPEG, BMP or HEIC"):
        read_beat_image(path)
