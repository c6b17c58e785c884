//! How many GPUs this process can use: NVML (loaded at run time, so a machine without the
//! driver simply has none) narrowed by `CUDA_VISIBLE_DEVICES`, unless `--gpus` says otherwise.

use std::fmt;

/// The GPUs a run can use, and how that was found out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuInventory {
    /// How many.
    pub count: u32,
    /// Their names, when NVML gave them (e.g. "NVIDIA H100 80GB HBM3").
    pub names: Vec<String>,
    /// Where the count came from.
    pub source: GpuSource,
}

/// Where a GPU count came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpuSource {
    /// `--gpus` / `OMNITEST_GPUS`.
    Override,
    /// NVML, narrowed by `CUDA_VISIBLE_DEVICES` when set.
    Nvml {
        /// The devices NVML reports.
        devices: u32,
        /// `CUDA_VISIBLE_DEVICES`, when set.
        visible: Option<String>,
    },
    /// NVML could not be loaded or initialised: no GPUs.
    NoNvml(String),
}

impl GpuInventory {
    /// The count given on the command line.
    pub fn overridden(count: u32) -> GpuInventory {
        GpuInventory { count, names: Vec::new(), source: GpuSource::Override }
    }

    /// Detects GPUs through NVML, honouring `cuda_visible_devices`.
    pub fn detect(cuda_visible_devices: Option<&str>) -> GpuInventory {
        let nvml = match nvml_wrapper::Nvml::init() {
            Ok(nvml) => nvml,
            Err(err) => {
                return GpuInventory { count: 0, names: Vec::new(), source: GpuSource::NoNvml(err.to_string()) };
            }
        };
        let devices = nvml.device_count().unwrap_or(0);
        let names: Vec<String> = (0..devices)
            .map(|i| nvml.device_by_index(i).and_then(|d| d.name()).unwrap_or_else(|_| format!("GPU {i}")))
            .collect();
        let uuids: Vec<String> =
            (0..devices).map(|i| nvml.device_by_index(i).and_then(|d| d.uuid()).unwrap_or_default()).collect();
        let visible = visible_devices(cuda_visible_devices, &uuids);
        let names = visible.iter().map(|&i| names[i].clone()).collect::<Vec<_>>();
        GpuInventory {
            count: names.len() as u32,
            names,
            source: GpuSource::Nvml { devices, visible: cuda_visible_devices.map(str::to_owned) },
        }
    }
}

/// The indices of the devices CUDA would expose: all of them without the variable, otherwise
/// the listed ones up to the first invalid entry (where CUDA stops enumerating), without repeats.
pub(crate) fn visible_devices(cuda_visible_devices: Option<&str>, uuids: &[String]) -> Vec<usize> {
    let Some(list) = cuda_visible_devices else {
        return (0..uuids.len()).collect();
    };
    let mut chosen = Vec::new();
    for entry in list.split(',').map(str::trim) {
        let index = match entry.parse::<usize>() {
            Ok(i) if i < uuids.len() => Some(i),
            Ok(_) => None,
            Err(_) if entry.starts_with("GPU-") || entry.starts_with("MIG-") => {
                uuids.iter().position(|uuid| !uuid.is_empty() && uuid.starts_with(entry))
            }
            Err(_) => None,
        };
        match index {
            Some(i) if !chosen.contains(&i) => chosen.push(i),
            Some(_) => {}
            None => break,
        }
    }
    chosen
}

impl fmt::Display for GpuInventory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.count)?;
        match &self.source {
            GpuSource::Override => write!(f, " (--gpus)"),
            GpuSource::Nvml { devices, visible } => {
                if let Some(first) = self.names.first() {
                    write!(f, " × {first}")?;
                }
                match visible {
                    Some(v) => write!(f, " (NVML: {devices}, CUDA_VISIBLE_DEVICES={v})"),
                    None => write!(f, " (NVML: {devices})"),
                }
            }
            GpuSource::NoNvml(_) => write!(f, " (NVML not available)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("GPU-{i}aaa")).collect()
    }

    #[test]
    fn unset_means_every_device() {
        assert_eq!(visible_devices(None, &uuids(3)), vec![0, 1, 2]);
    }

    #[test]
    fn empty_or_invalid_means_none() {
        assert!(visible_devices(Some(""), &uuids(2)).is_empty());
        assert!(visible_devices(Some("-1"), &uuids(2)).is_empty());
        assert!(visible_devices(Some("NoDevFiles"), &uuids(2)).is_empty());
    }

    #[test]
    fn enumeration_stops_at_the_first_invalid_entry() {
        assert_eq!(visible_devices(Some("1,0"), &uuids(2)), vec![1, 0]);
        assert_eq!(visible_devices(Some("0,7,1"), &uuids(2)), vec![0]);
        assert_eq!(visible_devices(Some("0,0,1"), &uuids(2)), vec![0, 1]);
    }

    #[test]
    fn uuid_prefixes_select_devices() {
        assert_eq!(visible_devices(Some("GPU-1"), &uuids(2)), vec![1]);
    }

    #[test]
    fn no_nvml_is_zero_gpus_not_an_error() {
        // On machines without the NVIDIA driver this exercises the real path.
        let inventory = GpuInventory::detect(None);
        if let GpuSource::NoNvml(_) = inventory.source {
            assert_eq!(inventory.count, 0);
        }
    }
}
