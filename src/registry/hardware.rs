use std::fmt;
use std::str::FromStr;

use super::{Marker, MarkerSet};

/// An accelerator platform, as in the seed's `hardware_test(res={platform: resource})`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Cuda,
    Rocm,
    Xpu,
    Npu,
    Musa,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 5] = [Platform::Cuda, Platform::Rocm, Platform::Xpu, Platform::Npu, Platform::Musa];

    /// The platform's name, as in `--hardware cuda:H100`.
    pub const fn name(self) -> &'static str {
        match self {
            Platform::Cuda => "cuda",
            Platform::Rocm => "rocm",
            Platform::Xpu => "xpu",
            Platform::Npu => "npu",
            Platform::Musa => "musa",
        }
    }

    /// The resources (accelerator models) a requirement on this platform may name.
    pub const fn resources(self) -> &'static [Resource] {
        match self {
            Platform::Cuda => &[Resource::L4, Resource::H100],
            Platform::Rocm => &[Resource::Mi325],
            Platform::Xpu => &[Resource::B60],
            Platform::Npu => &[Resource::A2, Resource::A3],
            Platform::Musa => &[Resource::S5000],
        }
    }

    const fn marker(self) -> Marker {
        match self {
            Platform::Cuda => Marker::Cuda,
            Platform::Rocm => Marker::Rocm,
            Platform::Xpu => Marker::Xpu,
            Platform::Npu => Marker::Npu,
            Platform::Musa => Marker::Musa,
        }
    }

    const fn multi_card_marker(self) -> Marker {
        match self {
            Platform::Cuda => Marker::DistributedCuda,
            Platform::Rocm => Marker::DistributedRocm,
            Platform::Xpu => Marker::DistributedXpu,
            Platform::Npu => Marker::DistributedNpu,
            Platform::Musa => Marker::DistributedMusa,
        }
    }

    /// Whether the seed's `hardware_marks` adds `gpu` for this platform: it does for CUDA, ROCm
    /// and XPU, not for NPU and (a quirk kept for compatible selection) not for MUSA.
    const fn carries_gpu_marker(self) -> bool {
        matches!(self, Platform::Cuda | Platform::Rocm | Platform::Xpu)
    }

    /// The valid names, comma separated.
    pub fn valid_names() -> String {
        Platform::ALL.map(Platform::name).join(", ")
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Platform {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Platform::ALL.into_iter().find(|p| p.name() == s).ok_or(())
    }
}

/// An accelerator model a test needs, as the seed's resource markers name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    H100,
    L4,
    Mi325,
    B60,
    S5000,
    A2,
    A3,
}

impl Resource {
    /// The resource's name, as written in `#[hardware(cuda = "H100")]`.
    pub const fn name(self) -> &'static str {
        self.marker().name()
    }

    /// The marker the resource adds to a test.
    pub const fn marker(self) -> Marker {
        match self {
            Resource::H100 => Marker::H100,
            Resource::L4 => Marker::L4,
            Resource::Mi325 => Marker::Mi325,
            Resource::B60 => Marker::B60,
            Resource::S5000 => Marker::S5000,
            Resource::A2 => Marker::A2,
            Resource::A3 => Marker::A3,
        }
    }

    /// The resource of `platform` named `name`, if the platform has one by that name.
    pub fn on_platform(platform: Platform, name: &str) -> Option<Resource> {
        platform.resources().iter().copied().find(|r| r.name() == name)
    }

    /// The resource named `name` on `platform`, checked while compiling the test that names it.
    ///
    /// # Panics
    /// At compile time, when the platform has no resource by that name.
    pub const fn expect_on(platform: Platform, name: &str) -> Resource {
        let candidates = platform.resources();
        let mut i = 0;
        while i < candidates.len() {
            if str_eq(candidates[i].name(), name) {
                return candidates[i];
            }
            i += 1;
        }
        match platform {
            Platform::Cuda => panic!("#[hardware]: unknown cuda resource (valid: L4, H100)"),
            Platform::Rocm => panic!("#[hardware]: unknown rocm resource (valid: MI325)"),
            Platform::Xpu => panic!("#[hardware]: unknown xpu resource (valid: B60)"),
            Platform::Npu => panic!("#[hardware]: unknown npu resource (valid: A2, A3)"),
            Platform::Musa => panic!("#[hardware]: unknown musa resource (valid: S5000)"),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// How many cards a hardware requirement needs: the same on every platform, or per platform
/// (platforms left out need one), as the seed's `num_cards: int | dict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cards {
    /// The same count on every platform.
    Uniform(u32),
    /// A count per platform; unnamed platforms need one card.
    PerPlatform(&'static [(Platform, u32)]),
}

/// A test's hardware requirement as written in `#[hardware(cuda = "H100", rocm = "MI325", cards = 2)]`:
/// the resource on each platform it supports and the cards it needs there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hardware {
    /// The resource required on each supported platform.
    pub resources: &'static [(Platform, Resource)],
    /// The card count.
    pub cards: Cards,
}

impl Hardware {
    /// Checks the declaration while compiling the test that makes it.
    ///
    /// # Panics
    /// At compile time, on an empty resource list, a repeated platform, a zero card count, or a
    /// card count for a platform the resources do not name.
    pub const fn checked(self) -> Hardware {
        if self.resources.is_empty() {
            panic!("#[hardware]: name at least one platform, e.g. cuda = \"H100\"");
        }
        let mut i = 0;
        while i < self.resources.len() {
            let mut j = i + 1;
            while j < self.resources.len() {
                if self.resources[i].0 as u8 == self.resources[j].0 as u8 {
                    panic!("#[hardware]: a platform is named twice");
                }
                j += 1;
            }
            i += 1;
        }
        match self.cards {
            Cards::Uniform(0) => panic!("#[hardware]: cards must be at least 1"),
            Cards::Uniform(_) => {}
            Cards::PerPlatform(counts) => {
                let mut k = 0;
                while k < counts.len() {
                    if counts[k].1 == 0 {
                        panic!("#[hardware]: cards must be at least 1");
                    }
                    let mut found = false;
                    let mut r = 0;
                    while r < self.resources.len() {
                        if self.resources[r].0 as u8 == counts[k].0 as u8 {
                            found = true;
                        }
                        r += 1;
                    }
                    if !found {
                        panic!("#[hardware]: cards names a platform that has no resource");
                    }
                    k += 1;
                }
            }
        }
        self
    }

    /// The requirement per platform, with card counts resolved.
    pub fn requirements(&self) -> Vec<PlatformRequirement> {
        self.resources
            .iter()
            .map(|&(platform, resource)| {
                let cards = match self.cards {
                    Cards::Uniform(n) => n,
                    Cards::PerPlatform(counts) => counts.iter().find(|(p, _)| *p == platform).map_or(1, |(_, n)| *n),
                };
                PlatformRequirement { platform, resource, cards }
            })
            .collect()
    }
}

/// What a test needs on one platform: a resource and a card count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlatformRequirement {
    /// The platform.
    pub platform: Platform,
    /// The accelerator model.
    pub resource: Resource,
    /// How many cards.
    pub cards: u32,
}

impl PlatformRequirement {
    /// The markers the seed's `hardware_marks` derives from this requirement.
    pub fn derived_markers(&self) -> MarkerSet {
        let mut set = MarkerSet::EMPTY.with(self.platform.marker()).with(self.resource.marker());
        if self.platform.carries_gpu_marker() {
            set.insert(Marker::Gpu);
        }
        if self.cards > 1 {
            set.insert(self.platform.multi_card_marker());
        }
        set
    }
}

impl fmt::Display for PlatformRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}×{}", self.platform, self.resource, self.cards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers_of(req: PlatformRequirement) -> String {
        req.derived_markers().to_string()
    }

    #[test]
    fn derives_markers_as_the_seed_does() {
        let cuda2 = PlatformRequirement { platform: Platform::Cuda, resource: Resource::H100, cards: 2 };
        assert_eq!(markers_of(cuda2), "gpu, cuda, H100, distributed_cuda");
        let npu1 = PlatformRequirement { platform: Platform::Npu, resource: Resource::A2, cards: 1 };
        assert_eq!(markers_of(npu1), "npu, A2");
        let musa1 = PlatformRequirement { platform: Platform::Musa, resource: Resource::S5000, cards: 1 };
        assert_eq!(markers_of(musa1), "musa, S5000", "hardware_marks adds no gpu marker for musa");
    }

    #[test]
    fn per_platform_card_counts_default_to_one() {
        let hw = Hardware {
            resources: &[(Platform::Cuda, Resource::H100), (Platform::Rocm, Resource::Mi325)],
            cards: Cards::PerPlatform(&[(Platform::Cuda, 2)]),
        }
        .checked();
        let reqs = hw.requirements();
        assert_eq!(reqs[0].cards, 2);
        assert_eq!(reqs[1].cards, 1);
    }

    #[test]
    fn resources_are_checked_per_platform() {
        assert_eq!(Resource::on_platform(Platform::Cuda, "H100"), Some(Resource::H100));
        assert_eq!(Resource::on_platform(Platform::Rocm, "H100"), None);
        assert_eq!(Resource::expect_on(Platform::Npu, "A3"), Resource::A3);
    }
}
