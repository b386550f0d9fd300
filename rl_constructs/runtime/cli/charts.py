"""Metric curves drawn without a plotting library: a terminal line chart, and a PNG image."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]
#: Line colours of the PNG (RGB), one per metric in order; the legend is printed with them.
PLOT_COLOURS: list[Colour] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
]
_AXIS_COLOUR: Colour = (160, 160, 160)


def text_chart(values: Sequence[float], *, width: int = 60, height: int = 10) -> list[str]:
    """A terminal line chart of ``values`` (averaged into at most ``width`` columns), y labels on the left."""
    if not values:
        return []
    buckets = _buckets(values, width)
    high = max(buckets)
    low = min(min(buckets), high - 1.0)  # a flat curve sits on the top row
    span = high - low
    rows = [[" "] * len(buckets) for _ in range(height)]
    for column, value in enumerate(buckets):
        rows[height - 1 - round((value - low) / span * (height - 1))][column] = "*"
    labels = [f"{high - span * i / (height - 1):>10.4g}" for i in range(height)]
    lines = [f"{label} |{''.join(row)}" for label, row in zip(labels, rows, strict=True)]
    lines.append(f"{'':>10} +{'-' * len(buckets)}")
    lines.append(f"{'':>10}  1{len(values):>{max(len(buckets) - 1, 1)}}")
    return lines


def _buckets(values: Sequence[float], width: int) -> list[float]:
    if len(values) <= width:
        return list(values)
    size = len(values) / width
    return [
        sum(chunk) / len(chunk)
        for column in range(width)
        if (chunk := values[int(column * size) : max(int((column + 1) * size), int(column * size) + 1)])
    ]


def png_chart(series: dict[str, list[float]], *, width: int = 800, height: int = 400) -> bytes:
    """The curves as a PNG (no plotting library needed): one colour per metric, all on one y scale, each
    curve stretched over the full width; grey axes."""
    margin = 20
    canvas = _Canvas(width, height)
    canvas.line(margin, height - margin, width - margin, height - margin, _AXIS_COLOUR)
    canvas.line(margin, margin, margin, height - margin, _AXIS_COLOUR)
    everything = [v for values in series.values() for v in values]
    low, high = (min(everything), max(everything)) if everything else (0.0, 1.0)
    span = (high - low) or 1.0
    for index, values in enumerate(series.values()):
        colour = PLOT_COLOURS[index % len(PLOT_COLOURS)]
        points = [
            (
                margin + round(i * (width - 2 * margin) / max(len(values) - 1, 1)),
                height - margin - round((v - low) / span * (height - 2 * margin)),
            )
            for i, v in enumerate(values)
        ]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            canvas.line(x0, y0, x1, y1, colour)
        if len(points) == 1:
            canvas.line(*points[0], *points[0], colour)
    return canvas.png()


class _Canvas:
    """White RGB pixels to draw 2-pixel-wide lines on, encoded as a PNG."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(self, x: int, y: int, colour: Colour) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(colour)

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            x, y = x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps
            for dx, dy in ((0, 0), (1, 0), (0, 1)):
                self.dot(round(x) + dx, round(y) + dy, colour)

    def png(self) -> bytes:
        """The pixels as an 8-bit RGB PNG (each row unfiltered, the whole compressed at level 9)."""
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b"")
        )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
