//! The hardware label per-hardware baselines are looked up by.

use crate::selection::{Backend, GpuInventory};

/// The label for baselines on the mock: its own column, never a GPU's.
pub const MOCK: &str = "mock";

/// Accelerator models, most specific first, as they appear in device names.
const MODELS: [&str; 14] =
    ["H200", "H100", "H800", "H20", "A100", "A800", "L40S", "L40", "L20", "L4", "MI325", "MI300", "B200", "B60"];

/// The label of a device name: `NVIDIA H100 80GB HBM3` → `H100`, `AMD Instinct MI325X` →
/// `MI325`; otherwise the first word with a digit in it.
pub fn label_of_device(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    for model in MODELS {
        if words.iter().any(|w| w.starts_with(model) && w[model.len()..].chars().all(|c| c.is_ascii_alphabetic())) {
            return Some(model.to_owned());
        }
    }
    words.iter().find(|w| w.chars().any(|c| c.is_ascii_digit())).map(|w| (*w).to_owned())
}

/// The label for a run: the one given, `mock` on the mock backend, else the first GPU's model.
pub fn label(backend: Backend, given: Option<&str>) -> Option<String> {
    if let Some(given) = given.filter(|g| !g.trim().is_empty()) {
        return Some(given.trim().to_owned());
    }
    if backend == Backend::Mock {
        return Some(MOCK.to_owned());
    }
    let inventory = GpuInventory::detect(std::env::var("CUDA_VISIBLE_DEVICES").ok().as_deref());
    inventory.names.first().and_then(|name| label_of_device(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_become_labels() {
        assert_eq!(label_of_device("NVIDIA H100 80GB HBM3").as_deref(), Some("H100"));
        assert_eq!(label_of_device("NVIDIA H100 NVL").as_deref(), Some("H100"));
        assert_eq!(label_of_device("AMD Instinct MI325X").as_deref(), Some("MI325"));
        assert_eq!(label_of_device("NVIDIA L4").as_deref(), Some("L4"));
        assert_eq!(label_of_device("NVIDIA L40S").as_deref(), Some("L40S"));
        assert_eq!(label_of_device("Tesla T4").as_deref(), Some("T4"));
        assert_eq!(label(Backend::Mock, None).as_deref(), Some("mock"));
        assert_eq!(label(Backend::VllmOmni, Some("A3")).as_deref(), Some("A3"));
    }
}
