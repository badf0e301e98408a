"""Colour-vision deficiency simulation (Machado, Oliveira & Fernandes 2009, severity 1.0) and
CIELAB distance, to check that the severity fills stay distinct for colour-blind readers.

The matrices are the published ones for full protanopia, deuteranopia and tritanopia, applied
to linear-light sRGB (as colorspacious and DaltonLens do)."""

from __future__ import annotations

import math

MACHADO_2009 = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
VISIONS = (None, *MACHADO_2009)  # None: normal colour vision


def linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def seen(hex_colour: str, vision: str | None) -> list[float]:
    rgb = linear(hex_colour)
    if vision is None:
        return rgb
    m = MACHADO_2009[vision]
    return [min(1.0, max(0.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3)]


def lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def distance(a: str, b: str, vision: str | None) -> float:
    """CIE76 distance between two colours as a reader with ``vision`` sees them."""
    return math.dist(lab(seen(a, vision)), lab(seen(b, vision)))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two "RRGGBB" colours."""

    def lum(h: str) -> float:
        r, g, b = linear(h)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
