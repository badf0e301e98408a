"""Charts for the report, the pack and the digests. ``plot.py`` says what a chart shows (pure
data, no drawing library); ``draw.py`` draws it with matplotlib, imported only when a chart is
drawn, as SVG for a page or PNG for an email; ``excel.py`` adds the same chart to a worksheet as
a native Excel chart."""
