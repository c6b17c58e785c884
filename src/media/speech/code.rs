//! The message format: a fixed preamble, a header and the text's bytes, as nibbles.
//!
//! ```text
//! preamble  8 nibbles  fixed; finds the start and calibrates the bands
//! header    9 nibbles  payload symbol duration (12 bits, 0.1 ms units), length in bytes
//!                      (16 bits), CRC-8 of both
//! payload   2 per byte the UTF-8 bytes, high nibble first, then their CRC-32 (8 nibbles)
//! ```
//!
//! Preamble and header always use the base symbol duration, so the recogniser can read the
//! payload's duration (which the speed sets) before it needs it.

/// The preamble. Each band is emphasised exactly twice, which makes it a fair calibration,
/// and no band repeats from one symbol to the next or lines up with a shifted copy of itself
/// in more than a quarter of places, which makes its start sharp.
pub(super) const PREAMBLE: [u8; 8] = [11, 14, 9, 0, 5, 15, 4, 2];
/// Nibbles in the header.
pub(super) const HEADER_NIBBLES: usize = 9;
/// Nibbles of the payload checksum.
const CHECKSUM_NIBBLES: usize = 8;
/// The unit of the payload symbol duration in the header.
pub(super) const DURATION_UNIT_S: f64 = 1e-4;
/// The shortest and longest payload symbol the header may announce (speed 4.0 and 0.25 with
/// room for rounding); anything else is not the mock's voice.
pub(super) const DURATION_CODES: std::ops::RangeInclusive<u16> = 80..=1500;

/// What the header announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// Payload symbol duration in [`DURATION_UNIT_S`].
    pub duration_code: u16,
    /// Payload length in bytes.
    pub length: u16,
}

impl Header {
    /// The header as nibbles.
    pub fn nibbles(self) -> [u8; HEADER_NIBBLES] {
        let bytes = self.bytes();
        let checksum = crc8(&bytes);
        let [d1, d2] = self.duration_code.to_be_bytes();
        let [l1, l2] = self.length.to_be_bytes();
        [d1 & 0xF, d2 >> 4, d2 & 0xF, l1 >> 4, l1 & 0xF, l2 >> 4, l2 & 0xF, checksum >> 4, checksum & 0xF]
    }

    /// The header read from nibbles, if its checksum and duration are right.
    pub fn parse(nibbles: &[u8]) -> Option<Header> {
        let [d1, d2, d3, l1, l2, l3, l4, c1, c2] = <[u8; HEADER_NIBBLES]>::try_from(nibbles).ok()?;
        let header = Header {
            duration_code: u16::from(d1) << 8 | u16::from(d2) << 4 | u16::from(d3),
            length: u16::from(l1) << 12 | u16::from(l2) << 8 | u16::from(l3) << 4 | u16::from(l4),
        };
        let checksum_ok = crc8(&header.bytes()) == (c1 << 4 | c2);
        (checksum_ok && DURATION_CODES.contains(&header.duration_code)).then_some(header)
    }

    fn bytes(self) -> [u8; 4] {
        let [d1, d2] = self.duration_code.to_be_bytes();
        let [l1, l2] = self.length.to_be_bytes();
        [d1, d2, l1, l2]
    }
}

/// The payload nibbles of `bytes`, checksum included.
pub(super) fn payload_nibbles(bytes: &[u8]) -> Vec<u8> {
    let checksum = crc32(bytes).to_be_bytes();
    bytes.iter().chain(checksum.iter()).flat_map(|byte| [byte >> 4, byte & 0xF]).collect()
}

/// How many payload nibbles a payload of `length` bytes takes.
pub(super) fn payload_nibble_count(length: u16) -> usize {
    2 * usize::from(length) + CHECKSUM_NIBBLES
}

/// The bytes carried by payload nibbles, if the checksum matches.
pub(super) fn parse_payload(nibbles: &[u8]) -> Option<Vec<u8>> {
    if !nibbles.len().is_multiple_of(2) || nibbles.len() < CHECKSUM_NIBBLES {
        return None;
    }
    let mut bytes: Vec<u8> = nibbles.chunks_exact(2).map(|pair| pair[0] << 4 | pair[1]).collect();
    let checksum = bytes.split_off(bytes.len() - CHECKSUM_NIBBLES / 2);
    (crc32(&bytes).to_be_bytes()[..] == checksum[..]).then_some(bytes)
}

/// CRC-8 (polynomial 0x07).
fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, &byte| {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { crc << 1 ^ 0x07 } else { crc << 1 };
        }
        crc
    })
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
fn crc32(bytes: &[u8]) -> u32 {
    let crc = bytes.iter().fold(!0u32, |mut crc, &byte| {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { crc >> 1 ^ 0xEDB8_8320 } else { crc >> 1 };
        }
        crc
    });
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_standard_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn header_round_trips_and_rejects_a_changed_nibble() {
        let header = Header { duration_code: 360, length: 4321 };
        let mut nibbles = header.nibbles();
        assert_eq!(Header::parse(&nibbles), Some(header));
        nibbles[4] ^= 1;
        assert_eq!(Header::parse(&nibbles), None);
    }

    #[test]
    fn header_rejects_durations_no_speed_produces() {
        let header = Header { duration_code: 20, length: 3 };
        assert_eq!(Header::parse(&header.nibbles()), None);
    }

    #[test]
    fn payload_round_trips_and_rejects_a_changed_nibble() {
        let text = "héllo, 世界 42!".as_bytes();
        let mut nibbles = payload_nibbles(text);
        assert_eq!(nibbles.len(), payload_nibble_count(text.len() as u16));
        assert_eq!(parse_payload(&nibbles).as_deref(), Some(text));
        nibbles[3] ^= 2;
        assert_eq!(parse_payload(&nibbles), None);
    }
}
