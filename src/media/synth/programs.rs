//! Finding the optional programs (`espeak-ng`, `ffmpeg`) on `PATH` without running them.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// The first executable file called `name` in a directory of `PATH`.
pub(super) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|directory| directory.join(name)).find(|candidate| {
        candidate.metadata().is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_program_every_system_has_and_not_a_made_up_one() {
        assert!(find_program("sh").is_some_and(|path| path.is_absolute() || path.exists()));
        assert_eq!(find_program("omnitest-no-such-program"), None);
    }
}
