//! Everyday colour names for RGB colours.

/// An everyday colour name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColourName {
    /// Hue 345–15°.
    Red,
    /// Hue 15–45°.
    Orange,
    /// Hue 45–70°.
    Yellow,
    /// Hue 70–160°.
    Green,
    /// Hue 160–200°.
    Cyan,
    /// Hue 200–255°.
    Blue,
    /// Hue 255–290°.
    Purple,
    /// Hue 290–320°.
    Magenta,
    /// Hue 320–345°, or a pale red (saturation below 0.5, value at least 0.7).
    Pink,
    /// An orange or yellow hue that is dark (value below 0.6).
    Brown,
    /// Unsaturated (below 0.2) and bright (value at least 0.85).
    White,
    /// Unsaturated (below 0.2), neither white nor black.
    Gray,
    /// Dark: value below 0.2, whatever the hue.
    Black,
}

impl ColourName {
    /// The name in lower case, as a sentence uses it.
    pub fn name(self) -> &'static str {
        match self {
            ColourName::Red => "red",
            ColourName::Orange => "orange",
            ColourName::Yellow => "yellow",
            ColourName::Green => "green",
            ColourName::Cyan => "cyan",
            ColourName::Blue => "blue",
            ColourName::Purple => "purple",
            ColourName::Magenta => "magenta",
            ColourName::Pink => "pink",
            ColourName::Brown => "brown",
            ColourName::White => "white",
            ColourName::Gray => "gray",
            ColourName::Black => "black",
        }
    }

    /// The name of `rgb`, from its hue, saturation and value (HSV, each channel 0–255).
    ///
    /// Darkness decides first (value < 0.2: black), then greyness (saturation < 0.2: white
    /// from value 0.85, gray below), then the hue ranges documented on each variant, with two
    /// refinements: dark orange and yellow are brown, and pale red is pink.
    pub fn of(rgb: [u8; 3]) -> ColourName {
        let [r, g, b] = rgb.map(|channel| f32::from(channel) / 255.0);
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let value = max;
        let saturation = if max > 0.0 { (max - min) / max } else { 0.0 };
        if value < 0.2 {
            return ColourName::Black;
        }
        if saturation < 0.2 {
            return if value >= 0.85 { ColourName::White } else { ColourName::Gray };
        }
        let hue = hue_degrees(r, g, b, max, min);
        let reddish = !(15.0..345.0).contains(&hue);
        if reddish && saturation < 0.5 && value >= 0.7 {
            return ColourName::Pink;
        }
        if (15.0..70.0).contains(&hue) && value < 0.6 {
            return ColourName::Brown;
        }
        match hue {
            h if reddish || h >= 345.0 => ColourName::Red,
            h if h < 45.0 => ColourName::Orange,
            h if h < 70.0 => ColourName::Yellow,
            h if h < 160.0 => ColourName::Green,
            h if h < 200.0 => ColourName::Cyan,
            h if h < 255.0 => ColourName::Blue,
            h if h < 290.0 => ColourName::Purple,
            h if h < 320.0 => ColourName::Magenta,
            _ => ColourName::Pink,
        }
    }
}

/// The hue in degrees, 0 ≤ hue < 360 (0 for greys).
fn hue_degrees(r: f32, g: f32, b: f32, max: f32, min: f32) -> f32 {
    let chroma = max - min;
    if chroma <= 0.0 {
        return 0.0;
    }
    let sector = if max == r {
        ((g - b) / chroma).rem_euclid(6.0)
    } else if max == g {
        (b - r) / chroma + 2.0
    } else {
        (r - g) / chroma + 4.0
    };
    (60.0 * sector).rem_euclid(360.0)
}

#[cfg(test)]
mod tests {
    use super::ColourName::{self, *};

    #[test]
    fn names_everyday_colours() {
        let cases: [([u8; 3], ColourName); 20] = [
            ([255, 0, 0], Red),
            ([200, 30, 40], Red),
            ([255, 140, 0], Orange),
            ([255, 230, 0], Yellow),
            ([0, 200, 0], Green),
            ([100, 180, 60], Green),
            ([0, 220, 220], Cyan),
            ([0, 0, 255], Blue),
            ([70, 130, 220], Blue),
            ([130, 40, 220], Purple),
            ([230, 0, 230], Magenta),
            ([255, 105, 180], Pink),
            ([255, 170, 180], Pink),
            ([139, 69, 19], Brown),
            ([255, 255, 255], White),
            ([245, 240, 235], White),
            ([128, 128, 128], Gray),
            ([0, 0, 0], Black),
            ([30, 20, 40], Black),
            ([60, 60, 60], Gray),
        ];
        for (rgb, expected) in cases {
            assert_eq!(ColourName::of(rgb), expected, "{rgb:?}");
        }
    }

    #[test]
    fn small_perturbations_keep_clear_colours() {
        for rgb in [[220, 40, 40], [40, 180, 60], [50, 80, 220], [240, 220, 40]] {
            let name = ColourName::of(rgb);
            for delta in [-6i16, 6] {
                let moved = rgb.map(|c| (i16::from(c) + delta).clamp(0, 255) as u8);
                assert_eq!(ColourName::of(moved), name, "{rgb:?} by {delta}");
            }
        }
    }

    #[test]
    fn names_are_lower_case_words() {
        assert_eq!(Gray.name(), "gray");
        assert_eq!(Magenta.name(), "magenta");
    }
}
