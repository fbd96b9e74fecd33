"""The front-desk page in the clinic's colours (`clinic.yaml`), with every colour pair it draws checked
for contrast: text on the clinic's colour, and the focus ring on white and on the page background."""

from dataclasses import dataclass

from coloraide import Color

from handouts.project import Colors

WHITE = "#ffffff"
INK = "#1a1a1a"  # body text
PLAIN_BACKGROUND = "#f4f6f8"  # the page background when the clinic's accent is too dark behind text
TEXT_CONTRAST = 4.5  # WCAG 1.4.3, normal text
RING_CONTRAST = 3.0  # WCAG 1.4.11, a focus indicator against what surrounds it


def contrast(first: str, second: str) -> float:
    """The WCAG 2.1 contrast ratio of two colours, 1 to 21."""
    return float(Color(first).contrast(second, method="wcag21"))


def readable_on(background: str) -> str:
    """White or ink, whichever reads better on the background."""
    return max((WHITE, INK), key=lambda text: contrast(text, background))


@dataclass(frozen=True)
class Brand:
    primary: str  # the header band and the buttons
    on_primary: str  # text (and the focus ring) on the primary colour
    page: str  # the page background, behind ink text
    ring: str  # the focus ring everywhere but on the primary colour

    @classmethod
    def of(cls, colors: Colors) -> "Brand":
        page = colors.accent if contrast(INK, colors.accent) >= TEXT_CONTRAST else PLAIN_BACKGROUND
        ring = next(
            color
            for color in (colors.primary, INK)
            if min(contrast(color, WHITE), contrast(color, page)) >= RING_CONTRAST
        )
        return cls(colors.primary, readable_on(colors.primary), page, ring)

    def css(self) -> str:
        """The colours as CSS custom properties, read by static/front-desk.css."""
        return (
            ":root {\n"
            f"  --primary: {self.primary};\n"
            f"  --on-primary: {self.on_primary};\n"
            f"  --page: {self.page};\n"
            f"  --ring: {self.ring};\n"
            "}\n"
        )
