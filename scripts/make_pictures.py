"""One-off: render the few OpenMoji pictures the easy-read digest uses to PNG (Outlook and many
mail apps do not show SVG). Not used at run time; the PNGs it writes are kept in the repository.

    npm pack openmoji@17.0.0 && tar xzf openmoji-17.0.0.tgz        # the SVGs, from npm
    pip install cairosvg                                            # the converter, from PyPI
    python scripts/make_pictures.py package/color/svg templates/pictures
"""

from __future__ import annotations

import sys
from pathlib import Path

# Our name -> OpenMoji (Unicode) code point. The alt text is in the templates, beside each use.
PICTURES = {
    "late": "23F0",  # alarm clock
    "soon": "1F4C5",  # calendar
    "new": "1F4DD",  # memo
    "done": "2705",  # check mark button
    "project": "1F91D",  # handshake
    "private": "1F512",  # locked
    "words": "1F4D6",  # open book
    "contact": "2709",  # envelope
    "ask": "1F64B",  # person raising hand
    "health": "1F465",  # busts in silhouette
}
SIZE = 96  # pixels; shown at 48 so it stays sharp on a phone's dense screen


def main(svg_dir: Path, out_dir: Path) -> None:
    import cairosvg  # imported here: only this one-off needs it

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, code in PICTURES.items():
        cairosvg.svg2png(
            url=str(svg_dir / f"{code}.svg"),
            write_to=str(out_dir / f"{name}.png"),
            output_width=SIZE,
            output_height=SIZE,
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
