//! Generated files kept under names made of their parameters, shared by every test and process.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::media::MediaError;

/// Names the cache directory, replacing the default under the system's temporary directory.
pub(super) const CACHE_VARIABLE: &str = "OMNITEST_SYNTH_CACHE";
const DEFAULT_DIRECTORY: &str = "omnitest-synthetic-media";
/// A subdirectory per generation of the generators: bump it when what they make changes (their
/// code, or the `rand` version behind their seeds), so that files an older omnitest made under
/// the same names are not served as this one's.
const GENERATION: &str = "v1";

/// A directory of generated files.
pub(super) struct Cache {
    root: PathBuf,
}

impl Cache {
    /// `v1` in the directory named by `OMNITEST_SYNTH_CACHE`, or in `omnitest-synthetic-media`
    /// in the system's temporary directory.
    pub fn shared() -> Cache {
        let configured = std::env::var_os(CACHE_VARIABLE).filter(|value| !value.is_empty());
        let base = configured.map_or_else(|| std::env::temp_dir().join(DEFAULT_DIRECTORY), PathBuf::from);
        Cache { root: base.join(GENERATION) }
    }

    /// A cache in `root`, for tests that must not share files.
    #[cfg(test)]
    pub fn at(root: PathBuf) -> Cache {
        Cache { root }
    }

    /// Where the file `name` is kept.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The file `name`, or `None` when it has not been made yet.
    pub fn read(&self, name: &str) -> Result<Option<(Vec<u8>, PathBuf)>, MediaError> {
        let path = self.path(name);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some((bytes, path))),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(failed("read", &path, &error)),
        }
    }

    /// Keeps `bytes` as the file `name`. The bytes go to a private file that is then renamed,
    /// so that a test reading the name concurrently sees either no file or all of it.
    pub fn store(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, MediaError> {
        // Unique across threads (the counter) and processes (the pid).
        static NEXT: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(&self.root).map_err(|error| failed("create", &self.root, &error))?;
        let path = self.path(name);
        let partial =
            self.path(&format!(".{name}.{}-{}.partial", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let written = std::fs::write(&partial, bytes)
            .map_err(|error| failed("write", &partial, &error))
            .and_then(|()| std::fs::rename(&partial, &path).map_err(|error| failed("rename to", &path, &error)));
        if written.is_err() {
            // The partial file is useless, and nothing better can be done if it cannot go.
            let _ = std::fs::remove_file(&partial);
        }
        written.map(|()| path)
    }

    /// The file `name`, made by `make` and stored first when it is not there.
    pub fn read_or_make(
        &self,
        name: &str,
        make: impl FnOnce() -> Result<Vec<u8>, MediaError>,
    ) -> Result<(Vec<u8>, PathBuf), MediaError> {
        if let Some(cached) = self.read(name)? {
            return Ok(cached);
        }
        let bytes = make()?;
        let path = self.store(name, &bytes)?;
        Ok((bytes, path))
    }
}

fn failed(action: &str, path: &Path, error: &std::io::Error) -> MediaError {
    MediaError::Unsupported {
        what: "synthetic media cache",
        detail: format!(
            "could not {action} {}: {error} (hint: set {CACHE_VARIABLE} to a writable directory)",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::synth::tests::ScratchDir;

    #[test]
    fn stores_and_reads_back_without_leaving_partial_files() {
        let scratch = ScratchDir::new("cache-store");
        let cache = Cache::at(scratch.path.join("nested"));
        assert_eq!(cache.read("a.bin").unwrap(), None);
        let path = cache.store("a.bin", b"first").unwrap();
        assert_eq!(path, scratch.path.join("nested").join("a.bin"));
        assert_eq!(cache.read("a.bin").unwrap(), Some((b"first".to_vec(), path.clone())));
        let names: Vec<_> = std::fs::read_dir(scratch.path.join("nested"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["a.bin"]);
    }

    #[test]
    fn makes_only_what_is_missing() {
        let scratch = ScratchDir::new("cache-make");
        let cache = Cache::at(scratch.path.clone());
        let (bytes, _) = cache.read_or_make("b.bin", || Ok(b"made".to_vec())).unwrap();
        assert_eq!(bytes, b"made");
        let again = cache.read_or_make("b.bin", || Err(MediaError::Invalid { format: "test", detail: String::new() }));
        assert_eq!(again.unwrap().0, b"made");
    }

    #[test]
    fn an_unwritable_directory_is_an_error_with_a_hint() {
        let scratch = ScratchDir::new("cache-unwritable");
        let blocker = scratch.path.join("file");
        std::fs::write(&blocker, b"").unwrap();
        let cache = Cache::at(blocker.join("below-a-file"));
        let error = cache.store("c.bin", b"x").unwrap_err();
        assert!(error.to_string().contains("hint: set OMNITEST_SYNTH_CACHE"), "{error}");
        assert!(matches!(cache.read("c.bin"), Err(MediaError::Unsupported { .. })));
    }
}
