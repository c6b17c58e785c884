use std::fmt;

use super::Level;

/// What a marker says about a test, which decides where it may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerGroup {
    /// A CI level; written in `#[levels(...)]`.
    Level,
    /// What the test exercises; written in `#[markers(...)]`.
    Function,
    /// Where it runs. `cpu` is written in `#[markers(...)]`; the others come from `#[hardware(...)]`.
    Platform,
    /// Which accelerator model; derived from `#[hardware(...)]`.
    Resource,
    /// More than one card on a platform; derived from `#[hardware(...)]`.
    MultiCard,
    /// Long-running L5 tests, excluded unless a marker expression selects them.
    Slow,
}

macro_rules! markers {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $group:ident; )*) => {
        /// A marker: a name a test carries and marker expressions (`-m`) select on.
        ///
        /// The set is closed, as with pytest's `--strict-markers`: an unknown marker in a test is a
        /// compile error, and in an expression a usage error.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Marker { $( $(#[$doc])* $variant, )* }

        impl Marker {
            /// Every marker, in declaration order.
            pub const ALL: &'static [Marker] = &[$(Marker::$variant),*];

            /// The marker's name as written in tests and expressions.
            pub const fn name(self) -> &'static str {
                match self { $(Marker::$variant => $name,)* }
            }

            /// What kind of marker this is.
            pub const fn group(self) -> MarkerGroup {
                match self { $(Marker::$variant => MarkerGroup::$group,)* }
            }
        }
    };
}

markers! {
    CoreModel = "core_model", Level;
    AdvancedModel = "advanced_model", Level;
    FullModel = "full_model", Level;
    /// Image, video and audio diffusion models.
    Diffusion = "diffusion", Function;
    /// Omni-modal chat models (thinker–talker).
    Omni = "omni", Function;
    /// Text-to-speech models.
    Tts = "tts", Function;
    /// Diffusion cache backends (TeaCache, Cache-DiT).
    Cache = "cache", Function;
    /// Parallelism features (tensor, CFG, VAE, HSDP).
    Parallel = "parallel", Function;
    /// Sequence parallelism (Ulysses, Ring).
    Sp = "sp", Function;
    /// Documentation example tests.
    Example = "example", Function;
    /// Performance benchmarks.
    Benchmark = "benchmark", Function;
    Cpu = "cpu", Platform;
    Gpu = "gpu", Platform;
    Cuda = "cuda", Platform;
    Rocm = "rocm", Platform;
    Xpu = "xpu", Platform;
    Npu = "npu", Platform;
    Musa = "musa", Platform;
    H100 = "H100", Resource;
    L4 = "L4", Resource;
    Mi325 = "MI325", Resource;
    /// Intel Arc Pro B60.
    B60 = "B60", Resource;
    /// Moore Threads S5000.
    S5000 = "S5000", Resource;
    /// Ascend A2.
    A2 = "A2", Resource;
    /// Ascend A3.
    A3 = "A3", Resource;
    DistributedCuda = "distributed_cuda", MultiCard;
    DistributedRocm = "distributed_rocm", MultiCard;
    DistributedXpu = "distributed_xpu", MultiCard;
    DistributedNpu = "distributed_npu", MultiCard;
    DistributedMusa = "distributed_musa", MultiCard;
    Slow = "slow", Slow;
}

impl Marker {
    /// The marker with this exact name (marker names are case-sensitive, as in pytest).
    pub fn from_name(name: &str) -> Option<Marker> {
        Marker::ALL.iter().copied().find(|marker| marker.name() == name)
    }

    /// Whether a test may write this marker itself in `#[markers(...)]`; the rest are levels or
    /// are derived from the hardware requirement.
    pub const fn is_declarable(self) -> bool {
        matches!(self.group(), MarkerGroup::Function | MarkerGroup::Slow) || matches!(self, Marker::Cpu)
    }

    /// All marker names, comma separated, for error messages.
    pub fn valid_names() -> String {
        Marker::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
    }

    /// The markers a test may declare, comma separated, for error messages.
    pub fn declarable_names() -> String {
        let names: Vec<_> = Marker::ALL.iter().filter(|m| m.is_declarable()).map(|m| m.name()).collect();
        names.join(", ")
    }

    const fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

impl From<Level> for Marker {
    fn from(level: Level) -> Marker {
        match level {
            Level::CoreModel => Marker::CoreModel,
            Level::AdvancedModel => Marker::AdvancedModel,
            Level::FullModel => Marker::FullModel,
        }
    }
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of markers, stored as bits so that evaluating an expression over thousands of tests is
/// a handful of instructions per test.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MarkerSet(u64);

impl MarkerSet {
    /// The empty set.
    pub const EMPTY: MarkerSet = MarkerSet(0);

    /// Whether the marker is in the set.
    pub const fn contains(self, marker: Marker) -> bool {
        self.0 & marker.bit() != 0
    }

    /// The set with the marker added.
    #[must_use]
    pub const fn with(self, marker: Marker) -> MarkerSet {
        MarkerSet(self.0 | marker.bit())
    }

    /// Adds the marker.
    pub fn insert(&mut self, marker: Marker) {
        self.0 |= marker.bit();
    }

    /// The markers in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Marker> {
        Marker::ALL.iter().copied().filter(move |m| self.contains(*m))
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Marker> for MarkerSet {
    fn from_iter<I: IntoIterator<Item = Marker>>(iter: I) -> Self {
        let mut set = MarkerSet::EMPTY;
        for marker in iter {
            set.insert(marker);
        }
        set
    }
}

impl fmt::Debug for MarkerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Marker::name)).finish()
    }
}

impl fmt::Display for MarkerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Marker::name).collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marker_fits_in_the_bit_set() {
        assert!(Marker::ALL.len() <= 64);
        let all: MarkerSet = Marker::ALL.iter().copied().collect();
        assert_eq!(all.iter().count(), Marker::ALL.len());
    }

    #[test]
    fn names_are_unique_and_found() {
        for marker in Marker::ALL {
            assert_eq!(Marker::from_name(marker.name()), Some(*marker));
        }
        assert_eq!(Marker::from_name("h100"), None, "marker names are case-sensitive");
    }

    #[test]
    fn only_function_cpu_and_slow_markers_are_declarable() {
        assert_eq!(
            Marker::declarable_names(),
            "diffusion, omni, tts, cache, parallel, sp, example, benchmark, cpu, slow"
        );
    }
}
