import Foundation
import Testing
@testable import VigilData
import VigilTensor

/// The PNG files in `Tests/Fixtures/png/` were written with Python's zlib by hand, with every
/// row filter (None, Sub, Up, Average, Paeth), and one by Pillow 13; Pillow reads all of them
/// back with the pixels below. The script:
///
///     import zlib, struct
///     def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
///     def png(name, w, h, colour, rows, filters, plte=None):
///         bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
///         raw, prev = b"", [0] * (w * bpp)
///         for y, row in enumerate(rows):
///             f, out = filters[y % len(filters)], []
///             for x, v in enumerate(row):
///                 a = row[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
///                 if f == 0: p = 0
///                 elif f == 1: p = a
///                 elif f == 2: p = b
///                 elif f == 3: p = (a + b) // 2
///                 else:
///                     e = a + b - c; pa, pb, pc = abs(e - a), abs(e - b), abs(e - c)
///                     p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
///                 out.append((v - p) % 256)
///             raw += bytes([f] + out); prev = row
///         data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0))
///         if plte: data += chunk(b"PLTE", bytes(plte))
///         open(name, "wb").write(data + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
///     rgb = [[(37 * y + 11 * x + 80 * c) % 256 for x in range(5) for c in range(3)] for y in range(4)]
///     png("rgb-5x4-filters.png", 5, 4, 2, rgb, [0, 1, 2, 3]); png("rgb-5x4-paeth.png", 5, 4, 2, rgb, [4])
///     png("grey-3x3.png", 3, 3, 0, [[30 * y + 7 * x for x in range(3)] for y in range(3)], [4])
///     png("rgba-2x2.png", 2, 2, 6, [[v for x in range(2) for v in [(50 * y + 20 * x + 60 * c) % 256 for c in range(3)] + [128]] for y in range(2)], [1])
///     png("palette-3x2.png", 3, 2, 3, [[y * 3 + x for x in range(3)] for y in range(2)], [0], plte=[v for i in range(6) for v in (10 * i, 20 * i, 255 - 30 * i)])
///     # and with Pillow: Image.fromarray((np.arange(72).reshape(4, 6, 3) * 5 % 256).astype(np.uint8)).save("pillow-6x4.png", optimize=True)
///     # Damaged or unsupported files, each with valid CRCs:
///     def raw_png(name, ihdr, idat_raw, plte=None):
///         data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
///         if plte: data += chunk(b"PLTE", bytes(plte))
///         open(name, "wb").write(data + chunk(b"IDAT", zlib.compress(idat_raw)) + chunk(b"IEND", b""))
///     raw_png("bad-filter.png", struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0), bytes([5, 1, 2]))
///     raw_png("bad-palette-index.png", struct.pack(">IIBBBBB", 2, 1, 8, 3, 0, 0, 0), bytes([0, 0, 7]), plte=[1, 2, 3, 4, 5, 6])
///     raw_png("sixteen-bit.png", struct.pack(">IIBBBBB", 1, 1, 16, 0, 0, 0, 0), bytes([0, 1, 2]))
///     raw_png("interlaced.png", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 1), bytes([0, 1]))
///     raw_png("short-image-data.png", struct.pack(">IIBBBBB", 3, 2, 8, 0, 0, 0, 0), bytes([0, 1, 2, 3]))
@Suite("PNG images")
struct PNGTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/png").path

    func read(_ name: String) throws -> PNGReader.Image { try PNGReader.read(path: Self.folder + "/" + name) }

    /// `value(y, x, c)` for every pixel and channel, row by row, as bytes.
    func pixels(height: Int, width: Int, channels: Int, _ value: (Int, Int, Int) -> Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { bytes.append(UInt8(value(y, x, c) % 256)) }
            }
        }
        return bytes
    }

    @Test func decodesEveryFilterColourTypeAndPillowsOutput() throws {
        let rgb = pixels(height: 4, width: 5, channels: 3) { y, x, c in 37 * y + 11 * x + 80 * c }
        for name in ["rgb-5x4-filters.png", "rgb-5x4-paeth.png"] {
            #expect(try read(name) == PNGReader.Image(width: 5, height: 4, channels: 3, pixels: rgb), "\(name)")
        }
        let grey = pixels(height: 3, width: 3, channels: 1) { y, x, _ in 30 * y + 7 * x }
        #expect(try read("grey-3x3.png") == PNGReader.Image(width: 3, height: 3, channels: 1, pixels: grey))
        let rgba = pixels(height: 2, width: 2, channels: 3) { y, x, c in 50 * y + 20 * x + 60 * c }
        #expect(try read("rgba-2x2.png") == PNGReader.Image(width: 2, height: 2, channels: 3, pixels: rgba))
        let palette = pixels(height: 2, width: 3, channels: 3) { y, x, c in
            let entry = y * 3 + x
            return [10 * entry, 20 * entry, 255 - 30 * entry][c]
        }
        #expect(try read("palette-3x2.png") == PNGReader.Image(width: 3, height: 2, channels: 3, pixels: palette))
        let pillow = pixels(height: 4, width: 6, channels: 3) { y, x, c in ((y * 6 + x) * 3 + c) * 5 }
        #expect(try read("pillow-6x4.png") == PNGReader.Image(width: 6, height: 4, channels: 3, pixels: pillow))
    }

    @Test func damagedFilesAreErrorsNamingTheProblem() throws {
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/grey-3x3.png")))
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try PNGReader.decode(bytes, file: "x.png"); return "no error" } catch { return "\(error)" }
        }
        var crc = good
        crc[29] ^= 0xFF  // the first byte of IHDR's CRC
        #expect(message(crc).contains("x.png") && message(crc).contains("CRC"))
        #expect(message(Array(good.prefix(40))) == "x.png: expected a chunk header at byte 33, got the end of the file (no IEND chunk)")
        #expect(message(Array("GIF89a".utf8) + good).contains("a PNG file"))
    }

    @Test func unsupportedOrDamagedImagesAreTypedErrors() throws {
        func path(_ name: String) -> String { Self.folder + "/" + name }
        func refused(_ name: String, expected: String, actual: String) {
            #expect(throws: DataError.unexpectedValue(file: path(name), line: nil, column: nil, expected: expected, actual: actual)) {
                try PNGReader.read(path: path(name))
            }
        }
        refused("bad-filter.png", expected: "filter types 0–4", actual: "filter 5 on row 0")
        refused("bad-palette-index.png", expected: "palette indices below 2", actual: "index 7 at pixel 1")
        refused("sixteen-bit.png", expected: "8 bits per sample", actual: "16 bits")
        refused("interlaced.png", expected: "a non-interlaced image", actual: "Adam7 interlacing")
        #expect(throws: DataError.corruptCompression(file: path("short-image-data.png"), reason: "inflated to 4 bytes, expected 8")) {
            try PNGReader.read(path: path("short-image-data.png"))
        }
    }

    @Test func imageFilesFromArraysAndFolders() throws {
        let scratch = TestData.temporaryDirectory()
        // Unsigned bytes are divided by 255; floats must lie in [0, 1].
        let bytes = NumPyArray(shape: [2, 2, 3, 1], elements: .uint8((0..<12).map { UInt8($0 * 20) }))
        let bytesPath = scratch.appendingPathComponent("bytes.npy").path
        try NumPy.write(bytes, to: bytesPath)
        guard case .images(let set)? = try ImageFiles.read(bytesPath) else { Issue.record("not images"); return }
        #expect(set.images.shape == [2, 2, 3, 1] && set.images.scalars[3] == 60 / 255)
        let floats = scratch.appendingPathComponent("floats.npy").path
        try NumPy.write(NumPyArray(shape: [1, 1, 2, 3], elements: .float32([0, 0.5, 1, 0.2, 1.5, 0])), to: floats)
        #expect(throws: DataError.unexpectedValue(
            file: floats, line: nil, column: nil, expected: "pixel values in [0, 1] (or unsigned bytes; divide 0–255 floats by 255)", actual: "1.5 at element 4")) {
            try ImageFiles.read(floats)
        }
        // A 2-D array is a table, a CSV is neither.
        let table = scratch.appendingPathComponent("table.npy").path
        try NumPy.write(NumPyArray(shape: [2, 2], elements: .float32([1, 2, 3, 4])), to: table)
        guard case .table(let rows)? = try ImageFiles.read(table) else { Issue.record("not a table"); return }
        #expect(rows.features.shape == [2, 2])
        #expect(try ImageFiles.read(scratch.appendingPathComponent("x.csv").path) == nil)
        // A folder: its PNG files by name; one of another size is an error naming it.
        let pictures = scratch.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
        for name in ["rgb-5x4-paeth.png", "rgb-5x4-filters.png"] {
            try FileManager.default.copyItem(atPath: Self.folder + "/" + name, toPath: pictures.appendingPathComponent(name).path)
        }
        guard case .images(let folder)? = try ImageFiles.read(pictures.path) else { Issue.record("not images"); return }
        #expect(folder.images.shape == [2, 4, 5, 3] && folder.images.scalars[1] == 80 / 255)
        try FileManager.default.copyItem(atPath: Self.folder + "/grey-3x3.png", toPath: pictures.appendingPathComponent("z.png").path)
        do { _ = try ImageFiles.read(pictures.path); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("z.png") && "\(error)".contains("4×5 with 3 channel(s), as rgb-5x4-filters.png"), "\(error)")
        }
    }
}
