//! Running the real media tools (`ffprobe`, `sox`, `ffmpeg`, …) in cross-checks; a check whose
//! tool is not installed is skipped, saying why.

use std::process::Command;

/// The tool's trimmed stdout, or `None` (with the reason printed) when it is not installed.
pub(crate) fn run_tool(tool: &str, args: &[&str]) -> Option<String> {
    match Command::new(tool).args(args).output() {
        Ok(output) => {
            assert!(output.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
            Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        }
        Err(error) => {
            eprintln!("skipping: {tool} is not available ({error})");
            None
        }
    }
}

/// `ffprobe`'s `key=value` lines for one stream's `entries`, frames counted by decoding.
pub(crate) fn ffprobe_stream(path: &str, selector: &str, entries: &str) -> Option<Vec<String>> {
    let args = [
        "-v",
        "error",
        "-count_frames",
        "-select_streams",
        selector,
        "-show_entries",
        entries,
        "-of",
        "default=noprint_wrappers=1",
        path,
    ];
    run_tool("ffprobe", &args).map(|out| out.lines().map(str::to_owned).collect())
}
