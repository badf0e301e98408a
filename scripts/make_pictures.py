"""One-off: render the few OpenMoji pictures the easy-read digest uses to PNG (Outlook and many
mail apps do not show SVG). Not used at run time; the PNGs it writes are kept in the repository.

    npm pack openmoji@17.0.0 && tar xzf openmoji-17.0.0.tgz        # the SVGs, from npm
    pip install cairosvg                                            # the converter, from PyPI
    python scripts/make_pictures.py package/color/svg templates/pictures

Each picture is put on a light plate (put_on_plate; Pillow) so it stays readable in dark mode.
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
PLATE = (255, 255, 255)  # the light plate every picture sits on (see put_on_plate)


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
        put_on_plate(out_dir / f"{name}.png")


def put_on_plate(path: Path) -> None:
    """Flatten the picture onto an opaque light plate. Mail apps in dark mode darken the box
    behind a picture (Gmail and Outlook apps even change a cell's colour we set) but never a
    picture's own pixels, so the plate inside the PNG keeps its dark outlines readable."""
    from PIL import Image  # imported here: only this one-off needs it

    picture = Image.open(path).convert("RGBA")
    plate = Image.new("RGBA", picture.size, (*PLATE, 255))
    plate.alpha_composite(picture)
    plate.convert("RGB").save(path, optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
