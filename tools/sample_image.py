"""Draw the sample site's one image (a practice pad in three layers) with Pillow.

`python -m tools.sample_image` writes content/media/2026/suturing-pad-layers.png and the
WordPress example's upload; both are committed, so this runs only to change them.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    ("Top: silicone or glove (skin)", (232, 190, 172)),
    ("Middle: craft foam (dermis)", (246, 224, 181)),
    ("Base: kitchen sponge (fat)", (250, 236, 140)),
]


def pad_layers(width: int = 1200, height: int = 675) -> Image.Image:
    """A cross-section of the practice pad: three labelled bands and an incision."""
    image = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    top, band = height // 6, height // 5
    for i, (label, colour) in enumerate(LAYERS):
        y = top + i * band
        draw.rectangle([width // 10, y, width * 9 // 10, y + band - 6], fill=colour)
        draw.text((width // 10 + 24, y + band // 2 - 20), label, fill=(40, 40, 40), font_size=36)
    x = width // 2
    draw.line([x, top - 30, x, top + band], fill=(160, 30, 30), width=8)
    draw.text((x + 16, top - 60), "incision", fill=(160, 30, 30), font_size=32)
    return image.quantize(colors=16)


def whiteboard(width: int = 600, height: int = 400) -> Image.Image:
    """A debrief whiteboard with the ABCDE steps, for the WordPress example's uploads."""
    image = Image.new("RGB", (width, height), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, width - 20, height - 20], outline=(120, 120, 130), width=6)
    for i, step in enumerate(["Airway", "Breathing", "Circulation", "Disability", "Exposure"]):
        y = 40 + i * 66
        draw.text((50, y), step[0], fill=(30, 80, 160), font_size=44)
        draw.text((120, y + 10), step, fill=(50, 50, 50), font_size=30)
    return image


def main() -> None:
    pad = ROOT / "content" / "media" / "2026" / "suturing-pad-layers.png"
    pad.parent.mkdir(parents=True, exist_ok=True)
    pad_layers().save(pad, optimize=True)
    upload = ROOT / "examples" / "wordpress-uploads" / "2025" / "08" / "abcde-whiteboard.jpg"
    upload.parent.mkdir(parents=True, exist_ok=True)
    whiteboard().save(upload, quality=60, optimize=True)
    print(f"wrote {pad} ({pad.stat().st_size} bytes), {upload} ({upload.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
