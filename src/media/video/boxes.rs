//! A structural check of an MP4's box tree, run before the `mp4` crate parses it.
//!
//! The crate walks container boxes by seeking to each child's end; a child that declares size 0
//! sends it back to where it started, forever. Damaged downloads do that, so every container
//! the crate walks is checked here first.

use crate::media::MediaError;

/// Containers whose children start right after the box header.
const PLAIN_CONTAINERS: [&[u8; 4]; 11] =
    [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"mvex", b"moof", b"traf", b"udta", b"ilst"];
/// Far deeper than any real file nests, and shallow enough that recursion stays cheap.
const MAX_DEPTH: usize = 16;

/// Rejects a box tree the `mp4` crate could not walk to its end.
pub(super) fn check_box_tree(bytes: &[u8]) -> Result<(), MediaError> {
    check_children(bytes, "the file", 0, true)
}

/// Checks the boxes that tile `body`, recursing into the containers among them.
fn check_children(body: &[u8], parent: &str, depth: usize, top_level: bool) -> Result<(), MediaError> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!("boxes nest deeper than {MAX_DEPTH} levels")));
    }
    let in_item_list = parent == "ilst";
    let mut offset = 0;
    while offset + 8 <= body.len() {
        let declared =
            u64::from(u32::from_be_bytes([body[offset], body[offset + 1], body[offset + 2], body[offset + 3]]));
        let kind = [body[offset + 4], body[offset + 5], body[offset + 6], body[offset + 7]];
        let name = String::from_utf8_lossy(&kind).into_owned();
        let (header_len, size) = match declared {
            // Size 0 means "to the end of the file", which only the last top-level box may say.
            0 if top_level => return Ok(()),
            0 => return Err(invalid(format!("box `{name}` in {parent} declares size 0"))),
            1 => match body.get(offset + 8..offset + 16) {
                Some(large) => (16, u64::from_be_bytes(large.try_into().unwrap_or([0; 8]))),
                None => {
                    return Err(invalid(format!("box `{name}` in {parent} ends inside its 64-bit size")));
                }
            },
            size => (8, size),
        };
        let remaining = (body.len() - offset) as u64;
        if size < header_len || size > remaining {
            return Err(invalid(format!(
                "box `{name}` in {parent} declares {size} bytes, outside 8 to the {remaining} left"
            )));
        }
        let content = &body[offset + header_len as usize..offset + size as usize];
        // Each entry of an item list is itself a list of `data` boxes.
        if in_item_list || PLAIN_CONTAINERS.contains(&&kind) {
            check_children(content, &name, depth + 1, false)?;
        } else if &kind == b"meta" {
            check_children(meta_children(content), &name, depth + 1, false)?;
        } else if &kind == b"dref" {
            // A full-box header and an entry count come before the entries.
            check_children(content.get(8..).unwrap_or_default(), &name, depth + 1, false)?;
        }
        offset += size as usize;
    }
    // The crate would read a header across the container's end, from whatever follows it.
    if !top_level && offset != body.len() {
        let left = body.len() - offset;
        return Err(invalid(format!("{parent} ends with {left} bytes too few for a box")));
    }
    Ok(())
}

/// `meta` is a full box (4 bytes of version and flags) in ISO files but a plain container in
/// QuickTime ones, which the crate recognises by `hdlr` coming first.
fn meta_children(content: &[u8]) -> &[u8] {
    let starts_with_hdlr = content.get(4..8) == Some(b"hdlr".as_slice());
    if starts_with_hdlr { content } else { content.get(4..).unwrap_or_default() }
}

fn invalid(detail: String) -> MediaError {
    MediaError::Invalid { format: "MP4", detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut bytes = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(kind);
        bytes.extend_from_slice(content);
        bytes
    }

    #[test]
    fn accepts_a_well_formed_tree_and_a_final_box_to_the_end() {
        let stbl = boxed(b"stbl", &boxed(b"stsd", &[0; 8]));
        let mut file = boxed(b"ftyp", b"isom");
        file.extend(boxed(b"moov", &boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &stbl)))));
        file.extend_from_slice(b"\0\0\0\0mdat");
        file.extend_from_slice(&[7; 40]);
        assert_eq!(check_box_tree(&file), Ok(()));
    }

    #[test]
    fn rejects_a_zero_sized_box_inside_a_container() {
        let mut stbl_content = boxed(b"stsd", &[0; 8]);
        stbl_content.extend_from_slice(b"\0\0\0\0stts");
        let file = boxed(b"moov", &boxed(b"trak", &boxed(b"stbl", &stbl_content)));
        let error = check_box_tree(&file).unwrap_err();
        assert_eq!(error.to_string(), "invalid MP4: box `stts` in stbl declares size 0");
    }

    #[test]
    fn rejects_boxes_that_overrun_their_parent() {
        let mut moov = boxed(b"moov", &boxed(b"trak", &[]));
        moov[11] = 200;
        let error = check_box_tree(&moov).unwrap_err();
        assert!(error.to_string().contains("box `trak` in moov declares 200 bytes"), "{error}");
    }

    #[test]
    fn rejects_stray_bytes_at_the_end_of_a_container() {
        let mut moov_content = boxed(b"trak", &[]);
        moov_content.extend_from_slice(&[0; 4]);
        let error = check_box_tree(&boxed(b"moov", &moov_content)).unwrap_err();
        assert_eq!(error.to_string(), "invalid MP4: moov ends with 4 bytes too few for a box");
    }

    #[test]
    fn checks_meta_both_ways() {
        let hdlr = boxed(b"hdlr", &[0; 24]);
        let mut iso = vec![0; 4];
        iso.extend_from_slice(&hdlr);
        assert_eq!(check_box_tree(&boxed(b"meta", &iso)), Ok(()));
        assert_eq!(check_box_tree(&boxed(b"meta", &hdlr)), Ok(()));
        let mut broken = vec![0; 4];
        broken.extend_from_slice(b"\0\0\0\0ilst");
        assert!(check_box_tree(&boxed(b"meta", &broken)).is_err());
    }

    #[test]
    fn rejects_absurd_nesting() {
        let mut nested = boxed(b"free", &[]);
        for _ in 0..40 {
            nested = boxed(b"udta", &nested);
        }
        let error = check_box_tree(&nested).unwrap_err();
        assert!(error.to_string().contains("nest deeper"), "{error}");
    }
}
