//! PNG and JPEG: encoding frames, decoding any colour type to RGB8, and reading dimensions from
//! the header alone.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::{Frame, MediaError};

/// A still-image format recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Portable Network Graphics.
    Png,
    /// JPEG (JFIF or Exif).
    Jpeg,
}

impl ImageFormat {
    /// The MIME type servers send for this format.
    pub fn mime(&self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
        }
    }

    fn codec(self) -> image::ImageFormat {
        match self {
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];

/// Recognises PNG or JPEG by its magic bytes.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(PNG_SIGNATURE) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(JPEG_SIGNATURE) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

/// Encodes a frame as an RGB8 PNG.
pub fn encode_png(frame: &Frame) -> Result<Vec<u8>, MediaError> {
    check_frame(frame)?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&frame.rgb, frame.width, frame.height, ExtendedColorType::Rgb8)
        .map_err(|error| encoding_failed("PNG encoding", error))?;
    Ok(png)
}

/// Encodes a frame as a baseline JPEG; `quality` runs from 1 (smallest) to 100 (best).
pub fn encode_jpeg(frame: &Frame, quality: u8) -> Result<Vec<u8>, MediaError> {
    check_frame(frame)?;
    if !(1..=100).contains(&quality) {
        return Err(MediaError::Unsupported {
            what: "JPEG quality",
            detail: format!("quality runs from 1 to 100, got {quality}"),
        });
    }
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .write_image(&frame.rgb, frame.width, frame.height, ExtendedColorType::Rgb8)
        .map_err(|error| encoding_failed("JPEG encoding", error))?;
    Ok(jpeg)
}

/// Decodes a PNG or JPEG of any colour type to RGB8; alpha is dropped, 16-bit is narrowed.
pub fn decode_image(bytes: &[u8]) -> Result<Frame, MediaError> {
    let format = recognise(bytes)?;
    let decoded =
        image::load_from_memory_with_format(bytes, format.codec()).map_err(|error| invalid(format, error))?.into_rgb8();
    Ok(Frame { width: decoded.width(), height: decoded.height(), rgb: decoded.into_raw() })
}

/// The width and height of a PNG or JPEG, read from its header without decoding pixels, so
/// that the first few hundred bytes of a download are enough.
pub fn image_dimensions(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    match recognise(bytes)? {
        ImageFormat::Png => png_dimensions(bytes),
        ImageFormat::Jpeg => jpeg_dimensions(bytes),
    }
}

/// PNG puts IHDR first: its width and height follow the 8-byte signature and chunk header.
fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    let header_error = |detail: &str| MediaError::Invalid { format: "PNG", detail: detail.to_owned() };
    if bytes.get(12..16) != Some(b"IHDR".as_slice()) {
        return Err(header_error("expected the IHDR chunk right after the signature"));
    }
    let (Some(width), Some(height)) = (be_u32(bytes, 16), be_u32(bytes, 20)) else {
        return Err(header_error("the IHDR chunk ends before its width and height"));
    };
    if width == 0 || height == 0 {
        return Err(header_error("IHDR declares a zero width or height"));
    }
    Ok((width, height))
}

/// Walks JPEG marker segments up to the first start-of-frame, which holds the dimensions.
fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    let header_error = |detail: String| MediaError::Invalid { format: "JPEG", detail };
    let mut offset = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(offset..offset + 2) else {
            return Err(header_error(format!("expected a marker at byte {offset} before any start-of-frame segment")));
        };
        match marker {
            // Fill bytes may pad any marker.
            0xFF => offset += 1,
            // Markers without a length field.
            0x01 | 0xD0..=0xD7 => offset += 2,
            // Start-of-frame, excluding DHT (C4), JPG (C8) and DAC (CC), which share the range.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be_u16(bytes, offset + 5);
                let width = be_u16(bytes, offset + 7);
                return match (width, height) {
                    (Some(width), Some(height)) if width > 0 && height > 0 => Ok((u32::from(width), u32::from(height))),
                    (Some(_), Some(_)) => {
                        Err(header_error("the start-of-frame segment declares a zero width or height".to_owned()))
                    }
                    _ => Err(header_error("the bytes end inside the start-of-frame segment".to_owned())),
                };
            }
            0xD9 | 0xDA => {
                return Err(header_error("reached the image data before a start-of-frame segment".to_owned()));
            }
            _ => {
                let Some(length) = be_u16(bytes, offset + 2) else {
                    return Err(header_error(format!("the bytes end inside the segment at byte {offset}")));
                };
                offset += 2 + usize::from(length);
            }
        }
    }
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at + 2)?;
    Some(u16::from_be_bytes([pair[0], pair[1]]))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let quad = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([quad[0], quad[1], quad[2], quad[3]]))
}

/// Rejects a frame an encoder cannot take: zero-sized, or with the wrong number of bytes.
pub(crate) fn check_frame(frame: &Frame) -> Result<(), MediaError> {
    if frame.width == 0 || frame.height == 0 {
        return Err(MediaError::Unsupported {
            what: "frame size",
            detail: format!("{}×{} has no pixels; both sides must be at least 1", frame.width, frame.height),
        });
    }
    let expected = u64::from(frame.width) * u64::from(frame.height) * 3;
    if frame.rgb.len() as u64 != expected {
        return Err(MediaError::Unsupported {
            what: "frame buffer",
            detail: format!(
                "a {}×{} RGB frame needs {expected} bytes, got {}",
                frame.width,
                frame.height,
                frame.rgb.len()
            ),
        });
    }
    Ok(())
}

fn recognise(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    sniff_image(bytes).ok_or_else(|| {
        let shown: Vec<String> = bytes.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        MediaError::Invalid {
            format: "image",
            detail: format!("expected PNG (89 50 4e 47) or JPEG (ff d8 ff) magic bytes, got [{}]", shown.join(" ")),
        }
    })
}

fn invalid(format: ImageFormat, error: image::ImageError) -> MediaError {
    MediaError::Invalid { format: format.name(), detail: error.to_string() }
}

fn encoding_failed(what: &'static str, error: image::ImageError) -> MediaError {
    MediaError::Unsupported { what, detail: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose every pixel differs, so that a transposed or shifted decode shows.
    fn gradient(width: u32, height: u32) -> Frame {
        let mut frame = Frame::filled(width, height, [0, 0, 0]);
        for y in 0..height {
            for x in 0..width {
                let colour = [(x * 255 / width) as u8, (y * 255 / height) as u8, 128];
                frame.set_pixel(x, y, colour);
            }
        }
        frame
    }

    #[test]
    fn png_round_trips_exactly() {
        let frame = gradient(37, 21);
        let png = encode_png(&frame).unwrap();
        assert_eq!(sniff_image(&png), Some(ImageFormat::Png));
        assert_eq!(image_dimensions(&png).unwrap(), (37, 21));
        assert_eq!(decode_image(&png).unwrap(), frame);
    }

    #[test]
    fn jpeg_round_trips_closely() {
        let frame = Frame::filled(32, 16, [200, 40, 90]);
        let jpeg = encode_jpeg(&frame, 90).unwrap();
        assert_eq!(sniff_image(&jpeg), Some(ImageFormat::Jpeg));
        assert_eq!(image_dimensions(&jpeg).unwrap(), (32, 16));
        let decoded = decode_image(&jpeg).unwrap();
        assert_eq!((decoded.width, decoded.height), (32, 16));
        for (channel, (got, want)) in decoded.pixel(10, 5).iter().zip([200, 40, 90]).enumerate() {
            assert!(got.abs_diff(want) <= 6, "channel {channel}: {got} vs {want}");
        }
    }

    #[test]
    fn jpeg_quality_changes_the_size() {
        let frame = gradient(64, 64);
        let small = encode_jpeg(&frame, 10).unwrap().len();
        let large = encode_jpeg(&frame, 100).unwrap().len();
        assert!(small < large, "quality 10: {small} bytes, quality 100: {large} bytes");
    }

    #[test]
    fn decodes_other_colour_types_to_rgb() {
        let mut grey = Vec::new();
        PngEncoder::new(&mut grey).write_image(&[0, 255, 128, 64], 2, 2, ExtendedColorType::L8).unwrap();
        let decoded = decode_image(&grey).unwrap();
        assert_eq!(decoded.pixel(1, 0), [255, 255, 255]);
        assert_eq!(decoded.pixel(0, 1), [128, 128, 128]);

        let mut rgba = Vec::new();
        PngEncoder::new(&mut rgba).write_image(&[10, 20, 30, 0], 1, 1, ExtendedColorType::Rgba8).unwrap();
        assert_eq!(decode_image(&rgba).unwrap().rgb, [10, 20, 30]);

        let mut deep = Vec::new();
        PngEncoder::new(&mut deep).write_image(&[0xFF, 0xFF, 0, 0], 2, 1, ExtendedColorType::L16).unwrap();
        assert_eq!(decode_image(&deep).unwrap().rgb, [255, 255, 255, 0, 0, 0]);
    }

    #[test]
    fn rejects_frames_that_cannot_be_encoded() {
        let empty = Frame { width: 0, height: 4, rgb: Vec::new() };
        let error = encode_png(&empty).unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { what: "frame size", .. }), "{error}");
        let short = Frame { width: 2, height: 2, rgb: vec![0; 11] };
        let error = encode_jpeg(&short, 80).unwrap_err();
        assert_eq!(error.to_string(), "unsupported frame buffer: a 2×2 RGB frame needs 12 bytes, got 11");
        let error = encode_jpeg(&gradient(4, 4), 0).unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { what: "JPEG quality", .. }), "{error}");
    }

    #[test]
    fn rejects_unknown_and_damaged_bytes() {
        let error = decode_image(b"GIF89a").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid image: expected PNG (89 50 4e 47) or JPEG (ff d8 ff) magic bytes, \
             got [47 49 46 38 39 61]"
        );
        let png = encode_png(&gradient(8, 8)).unwrap();
        let truncated = &png[..png.len() / 2];
        assert!(matches!(decode_image(truncated), Err(MediaError::Invalid { format: "PNG", .. })));
        let header_only = &png[..12];
        assert!(matches!(image_dimensions(header_only), Err(MediaError::Invalid { .. })));
        assert!(matches!(image_dimensions(&[0xFF, 0xD8, 0xFF]), Err(MediaError::Invalid { format: "JPEG", .. })));
    }

    #[test]
    fn dimensions_need_only_the_header() {
        let png = encode_png(&gradient(300, 200)).unwrap();
        assert_eq!(image_dimensions(&png[..24]).unwrap(), (300, 200));
        let jpeg = encode_jpeg(&gradient(300, 200), 80).unwrap();
        let frame_header = jpeg.windows(2).position(|pair| pair == [0xFF, 0xC0]).unwrap();
        assert_eq!(image_dimensions(&jpeg[..frame_header + 9]).unwrap(), (300, 200));
        let error = image_dimensions(&jpeg[..frame_header + 6]).unwrap_err();
        assert!(error.to_string().contains("inside the start-of-frame"), "{error}");
    }

    #[test]
    fn dimensions_skip_fill_bytes_and_exif_segments() {
        let jpeg = encode_jpeg(&gradient(30, 20), 80).unwrap();
        let mut padded = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, b'E', b'x', b'i', b'f', 0xFF];
        padded.extend_from_slice(&jpeg[2..]);
        assert_eq!(image_dimensions(&padded).unwrap(), (30, 20));
        assert_eq!(decode_image(&padded).unwrap().width, 30);
    }

    #[test]
    fn mime_types() {
        assert_eq!(ImageFormat::Png.mime(), "image/png");
        assert_eq!(ImageFormat::Jpeg.mime(), "image/jpeg");
    }
}
