//! Image files in and out: 16-bit greyscale TIFF and PNG, and NumPy `.npy` arrays.
//!
//! These are the formats the pixels come from and go to; the scanx format itself is the
//! core's business.

use std::io::{Cursor, Write};
use std::path::Path;

use scanx::pixels::{PixelBuffer, SampleType};

use crate::fail::{CliResult, Fail};
use crate::util::read_input;

/// Image file kinds, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Tiff,
    Png,
    Npy,
}

impl ImageKind {
    pub fn of(path: &Path) -> CliResult<ImageKind> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "tif" | "tiff" => Ok(ImageKind::Tiff),
            "png" => Ok(ImageKind::Png),
            "npy" => Ok(ImageKind::Npy),
            _ => Err(
                Fail::new(format!("{}: unknown image type {ext:?}", path.display()))
                    .help("give a 16-bit greyscale .tif/.tiff or .png, or a 2-D .npy array"),
            ),
        }
    }
}

/// Reads a plane's samples from a TIFF, PNG or `.npy` file.
pub fn read_image(path: &Path) -> CliResult<PixelBuffer> {
    let kind = ImageKind::of(path)?;
    let bytes = read_input(path, "image")?;
    let bad = |message: String| Fail::new(format!("{}: {message}", path.display()));
    match kind {
        ImageKind::Tiff => read_tiff(&bytes).map_err(bad),
        ImageKind::Png => read_png(&bytes).map_err(bad),
        ImageKind::Npy => read_npy(&bytes).map_err(bad),
    }
    .map_err(|f| {
        if f.help.is_some() {
            f
        } else {
            f.help("scanx imports 16-bit greyscale TIFF and PNG, and 2-D .npy arrays of uint8, uint16, uint32 or float32")
        }
    })
}

fn wrong_depth(format: &str, found: String) -> String {
    format!(
        "{found}; a {format} plane must be 16-bit greyscale (convert it, or export it as a .npy array)"
    )
}

fn read_tiff(bytes: &[u8]) -> Result<PixelBuffer, String> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::ColorType;
    let mut decoder =
        Decoder::new(Cursor::new(bytes)).map_err(|e| format!("not a readable TIFF: {e}"))?;
    let colour = decoder
        .colortype()
        .map_err(|e| format!("not a readable TIFF: {e}"))?;
    match colour {
        ColorType::Gray(16) => {}
        ColorType::Gray(bits) => {
            return Err(wrong_depth(
                "TIFF",
                format!("the TIFF is {bits}-bit greyscale"),
            ))
        }
        other => {
            return Err(wrong_depth(
                "TIFF",
                format!("the TIFF is {other:?}, not greyscale"),
            ))
        }
    }
    let (width, height) = decoder
        .dimensions()
        .map_err(|e| format!("not a readable TIFF: {e}"))?;
    match decoder
        .read_image()
        .map_err(|e| format!("cannot decode the TIFF: {e}"))?
    {
        DecodingResult::U16(samples) => {
            PixelBuffer::from_u16(width, height, &samples).map_err(|e| e.to_string())
        }
        _ => Err(wrong_depth(
            "TIFF",
            "the TIFF decodes to another sample type".into(),
        )),
    }
}

fn read_png(bytes: &[u8]) -> Result<PixelBuffer, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a readable PNG: {e}"))?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    match (info.color_type, info.bit_depth) {
        (png::ColorType::Grayscale, png::BitDepth::Sixteen) => {}
        (png::ColorType::Grayscale, depth) => {
            return Err(wrong_depth(
                "PNG",
                format!("the PNG is {}-bit greyscale", depth as u8),
            ))
        }
        (colour, _) => {
            return Err(wrong_depth(
                "PNG",
                format!("the PNG is {colour:?}, not greyscale"),
            ))
        }
    }
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("cannot decode the PNG: {e}"))?;
    let data = buf.get(..frame.buffer_size()).unwrap_or(&buf);
    // PNG stores 16-bit samples big-endian.
    let samples: Vec<u16> = data
        .chunks_exact(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .collect();
    PixelBuffer::from_u16(width, height, &samples).map_err(|e| e.to_string())
}

/// The `descr` of a `.npy` array for a sample type (little-endian).
fn npy_descr(t: SampleType) -> Option<&'static str> {
    match t {
        SampleType::U8 => Some("|u1"),
        SampleType::U16 => Some("<u2"),
        SampleType::U32 => Some("<u4"),
        SampleType::F32 => Some("<f4"),
        _ => None,
    }
}

/// Reads a C-ordered 2-D `.npy` array (format versions 1 to 3) of u8, u16, u32 or f32,
/// little-endian. The header is a Python dict literal; only its three keys are read.
fn read_npy(bytes: &[u8]) -> Result<PixelBuffer, String> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (no \\x93NUMPY magic)".into());
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            10usize,
        ),
        2 | 3 => {
            let b = bytes.get(8..12).ok_or("truncated .npy header")?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(format!(".npy format version {v} is not supported")),
    };
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let data = &bytes[start + header_len..];

    let value_of = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))?;
        let rest = header[at + key.len() + 2..]
            .trim_start()
            .strip_prefix(':')?;
        Some(rest.trim_start())
    };
    let descr = value_of("descr")
        .and_then(|v| v.strip_prefix('\''))
        .and_then(|v| v.split('\'').next())
        .ok_or("the .npy header has no descr")?;
    let sample_type = match descr {
        "|u1" | "<u1" | "u1" => SampleType::U8,
        "<u2" => SampleType::U16,
        "<u4" => SampleType::U32,
        "<f4" => SampleType::F32,
        other => {
            return Err(format!(
                "the .npy dtype {other:?} is not supported (uint8, little-endian uint16, uint32 or float32)"
            ))
        }
    };
    let fortran = value_of("fortran_order").ok_or("the .npy header has no fortran_order")?;
    if !fortran.starts_with("False") {
        return Err(
            "the .npy array is in Fortran order; save it C-ordered (np.ascontiguousarray)".into(),
        );
    }
    let shape = value_of("shape")
        .and_then(|v| v.strip_prefix('('))
        .and_then(|v| v.split(')').next())
        .ok_or("the .npy header has no shape")?;
    let dims: Vec<u64> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| format!("bad .npy shape ({shape})"))
        })
        .collect::<Result<_, _>>()?;
    let [height, width] = dims.as_slice() else {
        return Err(format!(
            "the .npy array has shape ({shape}); a plane is a 2-D array (height, width)"
        ));
    };
    let (width, height) = (
        u32::try_from(*width).map_err(|_| "the .npy array is too wide")?,
        u32::try_from(*height).map_err(|_| "the .npy array is too high")?,
    );
    let expected = u64::from(width) * u64::from(height) * sample_type.bytes_per_sample() as u64;
    if data.len() as u64 != expected {
        return Err(format!(
            "the .npy array holds {} data bytes; shape ({shape}) needs {expected}",
            data.len()
        ));
    }
    PixelBuffer::new(sample_type, width, height, data.to_vec()).map_err(|e| e.to_string())
}

/// Writes a `.npy` array (version 1.0) of the buffer's samples.
pub fn write_npy(out: &mut dyn Write, pixels: &PixelBuffer) -> scanx::Result<()> {
    let descr = npy_descr(pixels.sample_type())
        .ok_or_else(|| scanx::Error::invalid_argument("this sample type has no .npy equivalent"))?;
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': ({}, {}), }}",
        pixels.height(),
        pixels.width()
    );
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    out.write_all(b"\x93NUMPY\x01\x00")?;
    out.write_all(&(header.len() as u16).to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    out.write_all(pixels.as_bytes())?;
    Ok(())
}

fn encoding_error(what: &str, e: impl std::fmt::Display) -> scanx::Error {
    scanx::Error::new(
        scanx::ErrorKind::Io,
        format!("cannot encode the {what}: {e}"),
    )
}

/// Writes a greyscale TIFF of a u8, u16, u32 or f32 plane (uncompressed).
pub fn write_tiff(out: &mut dyn Write, pixels: &PixelBuffer) -> scanx::Result<()> {
    use tiff::encoder::{colortype, TiffEncoder};
    let mut cursor = Cursor::new(Vec::new());
    let (w, h) = (pixels.width(), pixels.height());
    {
        let mut encoder = TiffEncoder::new(&mut cursor).map_err(|e| encoding_error("TIFF", e))?;
        let result = match pixels.sample_type() {
            SampleType::U8 => encoder.write_image::<colortype::Gray8>(w, h, pixels.as_bytes()),
            SampleType::U16 => encoder.write_image::<colortype::Gray16>(w, h, &pixels.to_u16()?),
            SampleType::U32 => encoder.write_image::<colortype::Gray32>(w, h, &pixels.to_u32()?),
            SampleType::F32 => {
                encoder.write_image::<colortype::Gray32Float>(w, h, &pixels.to_f32()?)
            }
            _ => {
                return Err(scanx::Error::invalid_argument(
                    "this sample type has no TIFF equivalent",
                ))
            }
        };
        result.map_err(|e| encoding_error("TIFF", e))?;
    }
    out.write_all(cursor.get_ref())?;
    Ok(())
}

/// Writes a PNG: greyscale 8 or 16 bit (`channels` 1) or RGB 8 bit (`channels` 3), from
/// samples already in PNG byte order.
pub fn write_png(
    out: &mut dyn Write,
    width: u32,
    height: u32,
    colour: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
) -> scanx::Result<()> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(depth);
    let mut writer = encoder
        .write_header()
        .map_err(|e| encoding_error("PNG", e))?;
    writer
        .write_image_data(data)
        .map_err(|e| encoding_error("PNG", e))?;
    writer.finish().map_err(|e| encoding_error("PNG", e))?;
    Ok(())
}

/// A u8 or u16 plane as PNG bytes (16-bit samples big-endian).
pub fn write_png_plane(out: &mut dyn Write, pixels: &PixelBuffer) -> scanx::Result<()> {
    let (w, h) = (pixels.width(), pixels.height());
    match pixels.sample_type() {
        SampleType::U8 => write_png(
            out,
            w,
            h,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            pixels.as_bytes(),
        ),
        SampleType::U16 => {
            let be: Vec<u8> = pixels
                .to_u16()?
                .iter()
                .flat_map(|s| s.to_be_bytes())
                .collect();
            write_png(
                out,
                w,
                h,
                png::ColorType::Grayscale,
                png::BitDepth::Sixteen,
                &be,
            )
        }
        other => Err(scanx::Error::invalid_argument(format!(
            "a {} plane cannot be a PNG; export it as TIFF or .npy",
            other.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip() -> Result<(), String> {
        let pixels =
            PixelBuffer::from_u16(3, 2, &[1, 2, 3, 4, 5, 65535]).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        write_npy(&mut bytes, &pixels).map_err(|e| e.to_string())?;
        assert_eq!(
            (u16::from_le_bytes([bytes[8], bytes[9]]) as usize + 10) % 64,
            0
        );
        assert_eq!(read_npy(&bytes)?, pixels);
        Ok(())
    }

    #[test]
    fn npy_rejects_three_dimensions_and_short_data() {
        let header = "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 2, 2), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0; 16]);
        assert!(read_npy(&bytes).is_err_and(|e| e.contains("2-D")));
        let short = &bytes[..bytes.len() - 1];
        assert!(read_npy(short).is_err());
    }

    #[test]
    fn png_and_tiff_round_trip() -> Result<(), String> {
        let pixels = PixelBuffer::from_u16(
            4,
            3,
            &[0, 1, 2, 3, 256, 512, 1024, 2048, 40000, 50000, 60000, 65535],
        )
        .map_err(|e| e.to_string())?;
        let mut png_bytes = Vec::new();
        write_png_plane(&mut png_bytes, &pixels).map_err(|e| e.to_string())?;
        assert_eq!(read_png(&png_bytes)?, pixels);
        let mut tiff_bytes = Vec::new();
        write_tiff(&mut tiff_bytes, &pixels).map_err(|e| e.to_string())?;
        assert_eq!(read_tiff(&tiff_bytes)?, pixels);
        Ok(())
    }
}
