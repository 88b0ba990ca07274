import Foundation
import VigilTensor

extension NumPy {
    /// Reads an `.npz` archive (a zip of `.npy` files, stored or deflated, zip64 or not)
    /// into arrays keyed by name without the `.npy` suffix.
    public static func readArchive(path: String) throws -> [String: NumPyArray] {
        let bytes = try ByteSource.readAll(path, maximumBytes: InputLimits.current.maximumElements * 8)
        var arrays: [String: NumPyArray] = [:]
        for entry in try ZipArchive.entries(of: bytes, file: path) {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            arrays[name] = try decode(try ZipArchive.contents(of: entry, in: bytes, file: path), file: "\(path)/\(entry.name)")
        }
        return arrays
    }

    /// Writes arrays as an `.npz` archive (`np.savez`, or `np.savez_compressed` with
    /// `compressed`), atomically; entries are sorted by name.
    public static func writeArchive(_ arrays: [String: NumPyArray], to path: String, compressed: Bool = false) throws {
        let entries = arrays.keys.sorted().map { ("\($0).npy", encode(arrays[$0]!)) }
        try OutputFile.write(try ZipArchive.build(entries, compressed: compressed, file: path), to: path)
    }
}

/// The parts of the zip format that `.npz` files use.
enum ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    /// The little-endian unsigned integer of `width` bytes at `offset`, capped at 2⁶⁰ so
    /// that sums of a few of them never overflow (a larger value fails the bounds checks).
    private static func integer(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> Int {
        let value = (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        return Int(min(value, 1 << 60))
    }

    static func entries(of bytes: [UInt8], file: String) throws -> [Entry] {
        func need(_ end: Int, _ what: String) throws {
            if end > bytes.count { throw DataError.malformed(file: file, expected: what, actual: "the end of a \(bytes.count)-byte file") }
        }
        // The end-of-central-directory record: its signature, searched from the end.
        guard bytes.count >= 22,
            let end = stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
                .first(where: { integer(bytes, $0, 4) == 0x0605_4B50 })
        else {
            throw DataError.malformed(file: file, expected: "a zip archive (end-of-central-directory record)", actual: "none found")
        }
        var count = integer(bytes, end + 10, 2)
        var directoryOffset = integer(bytes, end + 16, 4)
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF, end >= 20, integer(bytes, end - 20, 4) == 0x0706_4B50 {
            let record = integer(bytes, end - 12, 8)
            try need(record + 56, "a zip64 end-of-central-directory record")
            count = integer(bytes, record + 32, 8)
            directoryOffset = integer(bytes, record + 48, 8)
        }
        var entries: [Entry] = []
        var offset = directoryOffset
        for _ in 0..<count {
            try need(offset + 46, "a central directory entry")
            guard integer(bytes, offset, 4) == 0x0201_4B50 else {
                throw DataError.malformed(file: file, expected: "a central directory entry at byte \(offset)", actual: "another signature")
            }
            let nameLength = integer(bytes, offset + 28, 2)
            let extraLength = integer(bytes, offset + 30, 2)
            let commentLength = integer(bytes, offset + 32, 2)
            try need(offset + 46 + nameLength + extraLength, "an entry name")
            var entry = Entry(
                name: String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self),
                method: UInt16(integer(bytes, offset + 10, 2)), crc: UInt32(integer(bytes, offset + 16, 4)),
                compressedSize: integer(bytes, offset + 20, 4), size: integer(bytes, offset + 24, 4),
                localHeaderOffset: integer(bytes, offset + 42, 4))
            // Zip64 sizes and offset live in extra field 0x0001, in this order, when the
            // 32-bit fields are saturated.
            var extra = offset + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = integer(bytes, extra, 2)
                let length = integer(bytes, extra + 2, 2)
                if id == 0x0001 {
                    var field = extra + 4
                    func wide() throws -> Int {
                        guard field + 8 <= min(extraEnd, extra + 4 + length) else {
                            throw DataError.malformed(file: file, expected: "a complete zip64 extra field", actual: "one cut short at byte \(field)")
                        }
                        defer { field += 8 }
                        return integer(bytes, field, 8)
                    }
                    if entry.size == 0xFFFF_FFFF { entry.size = try wide() }
                    if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try wide() }
                    if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try wide() }
                }
                extra += 4 + length
            }
            entries.append(entry)
            offset = extraEnd + commentLength
        }
        return entries
    }

    static func contents(of entry: Entry, in bytes: [UInt8], file: String) throws -> [UInt8] {
        let header = entry.localHeaderOffset
        guard header + 30 <= bytes.count, integer(bytes, header, 4) == 0x0403_4B50 else {
            throw DataError.malformed(file: file, expected: "a local header for \(entry.name) at byte \(header)", actual: "none")
        }
        let start = header + 30 + integer(bytes, header + 26, 2) + integer(bytes, header + 28, 2)
        guard start + entry.compressedSize <= bytes.count else {
            throw DataError.malformed(
                file: file, expected: "\(entry.compressedSize) bytes of \(entry.name)", actual: "a truncated archive")
        }
        let stored = Array(bytes[start..<(start + entry.compressedSize)])
        let data: [UInt8]
        switch entry.method {
        case 0: data = stored
        case 8: data = try Inflater.inflateRaw(stored, expectedSize: entry.size, file: "\(file)/\(entry.name)")
        default:
            throw DataError.unexpectedValue(
                file: "\(file)/\(entry.name)", line: nil, column: nil, expected: "compression stored (0) or deflate (8)",
                actual: "method \(entry.method)")
        }
        guard Deflater.crc32(data) == entry.crc else {
            throw DataError.corruptCompression(file: "\(file)/\(entry.name)", reason: "CRC-32 mismatch")
        }
        return data
    }

    static func build(_ entries: [(String, [UInt8])], compressed: Bool, file: String) throws -> [UInt8] {
        var archive: [UInt8] = []
        var directory: [UInt8] = []
        func put(_ value: Int, _ width: Int, into target: inout [UInt8]) {
            for byte in 0..<width { target.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
        }
        for (name, data) in entries {
            let payload = compressed ? Deflater.compress(data) : data
            guard archive.count < 0xFFFF_FFFF, payload.count < 0xFFFF_FFFF, data.count < 0xFFFF_FFFF else {
                throw DataError.invalidArgument(name: "archive \(file)", expected: "entries under 4 GiB", actual: "\(data.count) bytes in \(name)")
            }
            let crc = Int(Deflater.crc32(data))
            let nameBytes = Array(name.utf8)
            let method = compressed ? 8 : 0
            let offset = archive.count
            // Local header: signature, version 2.0, flags, method, time, date, CRC, sizes, name.
            for (value, width) in [(0x0403_4B50, 4), (20, 2), (0, 2), (method, 2), (0, 2), (0x21, 2), (crc, 4),
                                   (payload.count, 4), (data.count, 4), (nameBytes.count, 2), (0, 2)] {
                put(value, width, into: &archive)
            }
            archive += nameBytes + payload
            for (value, width) in [(0x0201_4B50, 4), (20, 2), (20, 2), (0, 2), (method, 2), (0, 2), (0x21, 2), (crc, 4),
                                   (payload.count, 4), (data.count, 4), (nameBytes.count, 2), (0, 2), (0, 2), (0, 2), (0, 2),
                                   (0, 4), (offset, 4)] {
                put(value, width, into: &directory)
            }
            directory += nameBytes
        }
        let directoryOffset = archive.count
        archive += directory
        for (value, width) in [(0x0605_4B50, 4), (0, 2), (0, 2), (entries.count, 2), (entries.count, 2),
                               (directory.count, 4), (directoryOffset, 4), (0, 2)] {
            put(value, width, into: &archive)
        }
        return archive
    }
}
