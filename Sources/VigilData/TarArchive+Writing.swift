import Foundation

extension TarArchive {
    /// A ustar archive holding `files` (name → bytes) as regular files, in name order, each
    /// with mode 0644, owner 0 and modification time 0, so the same files always give the
    /// same bytes (and the same SHA-256), as a published archive's checksum needs.
    ///
    /// - Throws: ``DataError/invalidArgument(name:expected:actual:)`` for a name that is
    ///   empty, longer than the 100 bytes of the header's name field, or holds `/` or a NUL
    ///   (an archive of one flat folder), or a file of 8 GiB or more (the size field's limit).
    public static func archive(_ files: [String: [UInt8]]) throws -> [UInt8] {
        var archive: [UInt8] = []
        for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            guard !nameBytes.isEmpty, nameBytes.count <= 100, !nameBytes.contains(UInt8(ascii: "/")), !nameBytes.contains(0), name != ".", name != ".." else {
                throw DataError.invalidArgument(name: "tar member name", expected: "1–100 bytes without / or NUL", actual: "\"\(name)\"")
            }
            guard bytes.count < 1 << 33 else {
                throw DataError.invalidArgument(name: "tar member \(name)", expected: "fewer than 8 GiB", actual: "\(bytes.count) bytes")
            }
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
            func putOctal(_ value: Int, at offset: Int, width: Int) { put(octal(value, digits: width - 1), at: offset) }
            header.replaceSubrange(0..<nameBytes.count, with: nameBytes)
            putOctal(0o644, at: 100, width: 8)  // mode
            putOctal(0, at: 108, width: 8)  // owner
            putOctal(0, at: 116, width: 8)  // group
            putOctal(bytes.count, at: 124, width: 12)  // size
            putOctal(0, at: 136, width: 12)  // modification time
            header[156] = UInt8(ascii: "0")  // a regular file
            put("ustar\u{0}00", at: 257)
            for index in 148..<156 { header[index] = UInt8(ascii: " ") }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, digits: 6) + "\u{0} ", at: 148)
            archive += header
            archive += bytes
            archive += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        }
        archive += [UInt8](repeating: 0, count: 1024)  // the two zero blocks that end an archive
        return archive
    }

    /// `value` in octal, zero-padded to `digits`.
    private static func octal(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
