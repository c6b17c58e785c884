//! Documentation pages: which Markdown files of a repository are doc-tested, and the short
//! names their trials and output folders use.

use std::path::{Path, PathBuf};

/// A Markdown page whose code blocks are doc-tested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocPage {
    /// A short name: `readme`, `testing_guide`, … It names the trials (`test_<name>[…]`) and the
    /// page's folder under the output root.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// The file relative to the repository root, for messages.
    pub display: String,
}

impl DocPage {
    /// A page at `path`, shown as `display` in messages.
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, display: impl Into<String>) -> DocPage {
        DocPage { name: name.into(), path: path.into(), display: display.into() }
    }

    /// The folder the page is in: relative script paths in its blocks are found there.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// Why the pages of a repository cannot be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot list the documentation pages in {}: {source}", dir.display())]
pub struct PageListError {
    /// The folder.
    pub dir: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// The pages of a repository that are doc-tested: `README.md`, every `docs/*.md`, and every
/// Markdown file under `examples/`. Sorted, so trial order does not depend on the file system.
pub fn repository_pages(root: &Path) -> Result<Vec<DocPage>, PageListError> {
    let mut pages = Vec::new();
    let readme = root.join("README.md");
    if readme.is_file() {
        pages.push(DocPage::new("readme", readme, "README.md"));
    }
    for path in markdown_files(&root.join("docs"), false)? {
        pages.push(page_at(root, path));
    }
    for path in markdown_files(&root.join("examples"), true)? {
        pages.push(page_at(root, path));
    }
    Ok(pages)
}

fn page_at(root: &Path, path: PathBuf) -> DocPage {
    let display = path.strip_prefix(root).unwrap_or(&path).display().to_string();
    DocPage::new(page_name(&path), path, display)
}

/// A page's short name: the file's stem as an identifier (`testing-guide.md` → `testing_guide`),
/// or, for a `README.md` below the root, its folder's name (`examples/mock_clients/README.md` →
/// `mock_clients`).
pub fn page_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
    let folder = path.parent().and_then(Path::file_name).and_then(|s| s.to_str());
    match folder {
        Some(folder) if stem.eq_ignore_ascii_case("readme") => slug(folder),
        _ => slug(stem),
    }
}

/// Lower-case letters and digits, every other run of characters one `_`: the form of page
/// names and of the section part of block ids. Empty input gives `section`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() { "section".to_owned() } else { trimmed.to_owned() }
}

fn markdown_files(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, PageListError> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let entries = std::fs::read_dir(dir).map_err(|source| PageListError { dir: dir.to_path_buf(), source })?;
    for entry in entries {
        let path = entry.map_err(|source| PageListError { dir: dir.to_path_buf(), source })?.path();
        if path.is_dir() && recursive {
            found.extend(markdown_files(&path, true)?);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_identifiers() {
        assert_eq!(slug("Selecting tests"), "selecting_tests");
        assert_eq!(slug("L1 & L2: unit + basic e2e"), "l1_l2_unit_basic_e2e");
        assert_eq!(slug("  `--partition` "), "partition");
        assert_eq!(slug("!!"), "section");
    }

    #[test]
    fn page_names_come_from_the_file_or_a_readme_folder() {
        assert_eq!(page_name(Path::new("/repo/docs/testing-guide.md")), "testing_guide");
        assert_eq!(page_name(Path::new("/repo/README.md")), "repo");
        assert_eq!(page_name(Path::new("/repo/examples/mock_clients/README.md")), "mock_clients");
        assert_eq!(page_name(Path::new("/repo/docs/PERFORMANCE.md")), "performance");
    }
}
