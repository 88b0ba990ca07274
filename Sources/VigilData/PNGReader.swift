import CZlib
import VigilTensor

/// Reads PNG images of 8 bits per sample — greyscale, RGB, palette, greyscale with alpha and
/// RGBA, not interlaced: what Vigil's own encoder writes, and what Pillow, OpenCV and
/// ImageMagick write for 8-bit images (Pillow writes 1-, 2- and 4-bit palettes for images of
/// 16 colours or fewer and for mode "1"; those, 16-bit samples and interlacing are refused
/// with an error saying so). Alpha is dropped (an image detector sees 1 or 3 channels); a
/// palette image becomes RGB.
public enum PNGReader {
    /// A decoded image: `height · width · channels` bytes, row by row, channels interleaved.
    public struct Image: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// 1 (greyscale) or 3 (colour).
        public var channels: Int
        public var pixels: [UInt8]

        public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
            self.width = width
            self.height = height
            self.channels = channels
            self.pixels = pixels
        }
    }

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes the PNG file at `path`.
    ///
    /// - Throws: ``DataError`` naming the file: not a PNG, a chunk cut short or with a wrong
    ///   CRC, a bit depth other than 8, interlacing, a missing palette, image data that does not
    ///   inflate to the stated size, a filter type above 4, or more pixels than ``InputLimits/maximumElements``.
    public static func read(path: String, limits: InputLimits = .current) throws -> Image {
        try decode(ByteSource.readAll(path), file: path, limits: limits)
    }

    /// Decodes PNG bytes; `file` names them in errors.
    public static func decode(_ bytes: [UInt8], file: String, limits: InputLimits = .current) throws -> Image {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw DataError.malformed(file: file, expected: "a PNG file (starting with \\x89PNG)", actual: "a file starting with bytes \(hexBytes(bytes.prefix(8)))")
        }
        var offset = 8
        var header: (width: Int, height: Int, colourType: UInt8)?
        var palette: [UInt8] = []
        var data: [UInt8] = []
        func integer(_ at: Int) -> Int { bigEndian(bytes, at) }
        while true {
            guard offset + 12 <= bytes.count else {
                throw DataError.malformed(file: file, expected: "a chunk header at byte \(offset)", actual: "the end of the file (no IEND chunk)")
            }
            let length = integer(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length <= bytes.count - offset - 12 else {
                throw DataError.malformed(file: file, expected: "\(length) bytes of chunk \(messageText(type)) at byte \(offset)", actual: "\(bytes.count - offset - 12) bytes left")
            }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            let stored = UInt32(integer(offset + 8 + length))
            let computed = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress! + offset + 4, uInt(length + 4))) }
            guard stored == computed else {
                throw DataError.malformed(file: file, expected: "chunk \(messageText(type)) at byte \(offset) with CRC \(hex(computed))", actual: "CRC \(hex(stored))")
            }
            offset += 12 + length
            switch type {
            case "IHDR":
                guard length == 13 else { throw DataError.malformed(file: file, expected: "an IHDR chunk of 13 bytes", actual: "\(length) bytes") }
                let (width, height) = (bigEndian(body, 0), bigEndian(body, 4))
                let (depth, colourType, interlace) = (body[8], body[9], body[12])
                guard depth == 8 else {
                    throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "8 bits per sample", actual: "\(depth) bits")
                }
                guard [0, 2, 3, 4, 6].contains(colourType) else {
                    throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "colour type 0, 2, 3, 4 or 6", actual: "colour type \(colourType)")
                }
                guard interlace == 0 else {
                    throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "a non-interlaced image", actual: "Adam7 interlacing")
                }
                guard width >= 1, height >= 1, let count = limits.elementCount([width, height, 4]), count <= limits.maximumElements else {
                    throw DataError.tooLarge(file: file, what: "pixels (\(width)×\(height))", limit: limits.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
                }
                header = (width, height, colourType)
            case "PLTE": palette = body
            case "IDAT": data += body
            case "IEND":
                guard let header else { throw DataError.malformed(file: file, expected: "an IHDR chunk first", actual: "none") }
                return try image(header, palette: palette, compressed: data, file: file)
            default: continue
            }
        }
    }

    private static func image(_ header: (width: Int, height: Int, colourType: UInt8), palette: [UInt8], compressed: [UInt8], file: String) throws -> Image {
        let samples = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(header.colourType)]!
        let stride = header.width * samples
        let raw = try Inflater.inflateRaw(compressed, expectedSize: header.height * (stride + 1), file: file, format: .zlib)
        var rows = [UInt8](repeating: 0, count: header.height * stride)
        for y in 0..<header.height {
            let filter = raw[y * (stride + 1)]
            guard filter <= 4 else {
                throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "filter types 0–4", actual: "filter \(filter) on row \(y)")
            }
            let source = y * (stride + 1) + 1
            for x in 0..<stride {
                let left = x >= samples ? Int(rows[y * stride + x - samples]) : 0
                let up = y > 0 ? Int(rows[(y - 1) * stride + x]) : 0
                let corner = x >= samples && y > 0 ? Int(rows[(y - 1) * stride + x - samples]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4:
                    let estimate = left + up - corner
                    let (a, b, c) = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
                    predictor = a <= b && a <= c ? left : (b <= c ? up : corner)
                default: predictor = 0
                }
                rows[y * stride + x] = UInt8(truncatingIfNeeded: Int(raw[source + x]) + predictor)
            }
        }
        let pixelCount = header.width * header.height
        switch header.colourType {
        case 0, 2:
            return Image(width: header.width, height: header.height, channels: samples, pixels: rows)
        case 4, 6:
            let kept = samples - 1
            var pixels = [UInt8](repeating: 0, count: pixelCount * kept)
            for p in 0..<pixelCount { for c in 0..<kept { pixels[p * kept + c] = rows[p * samples + c] } }
            return Image(width: header.width, height: header.height, channels: kept, pixels: pixels)
        default:
            guard !palette.isEmpty, palette.count % 3 == 0 else {
                throw DataError.malformed(file: file, expected: "a PLTE chunk of RGB triples for a palette image", actual: "\(palette.count) palette bytes")
            }
            var pixels = [UInt8](repeating: 0, count: pixelCount * 3)
            for p in 0..<pixelCount {
                let entry = Int(rows[p])
                guard entry * 3 + 2 < palette.count else {
                    throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "palette indices below \(palette.count / 3)", actual: "index \(entry) at pixel \(p)")
                }
                for c in 0..<3 { pixels[p * 3 + c] = palette[entry * 3 + c] }
            }
            return Image(width: header.width, height: header.height, channels: 3, pixels: pixels)
        }
    }

    /// The unsigned 32-bit big-endian integer at `offset`.
    private static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) } }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
