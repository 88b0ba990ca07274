import Foundation
import VigilTensor

/// POSIX (ustar) tar archives: regular files read streamed from a plain or gzip-compressed
/// archive, and small archives written byte for byte reproducibly.
public enum TarArchive {
    /// Calls `body(name, size, read)` for every regular file in the archive at `path`, in
    /// order; `read(into:)` fills a buffer from the member's bytes and returns the count (0 at
    /// the member's end). Bytes a body leaves unread are skipped.
    ///
    /// - Parameter regularFilesOnly: refuse any member that is not a regular file (links,
    ///   devices, extended headers that could rename members), but the folder `.` itself;
    ///   otherwise such members are skipped.
    /// - Throws: ``DataError`` naming the archive: a header whose checksum is wrong, a size
    ///   field that is not octal, or an archive that ends inside a member.
    public static func forEachFile(
        path: String, regularFilesOnly: Bool = false, _ body: (String, Int, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void
    ) throws {
        try forEachFile(source: ByteSource(path: path), regularFilesOnly: regularFilesOnly, body)
    }

    /// ``forEachFile(path:regularFilesOnly:_:)`` over an archive held in memory; errors name `name`.
    public static func forEachFile(
        bytes: [UInt8], name: String, regularFilesOnly: Bool = false, _ body: (String, Int, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void
    ) throws {
        try forEachFile(source: ByteSource(bytes: bytes, name: name), regularFilesOnly: regularFilesOnly, body)
    }

    /// Every byte of a member, read with the `read` function ``forEachFile(path:regularFilesOnly:_:)`` hands its body.
    public static func bytes(ofMemberOf size: Int, _ read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = try bytes.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            guard count > 0 else { throw DataError.malformed(file: "tar member", expected: "\(size) bytes", actual: "\(filled)") }
            filled += count
        }
        return bytes
    }

    private static func forEachFile(
        source: ByteSource, regularFilesOnly: Bool, _ body: (String, Int, (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Void
    ) throws {
        let path = source.path
        var header = [UInt8](repeating: 0, count: 512)
        func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int { try source.fill(buffer) }
        var offset = 0
        while true {
            let got = try header.withUnsafeMutableBytes { try fill($0) }
            if got == 0 || header.allSatisfy({ $0 == 0 }) { return }  // the end, or the two zero blocks that mark it
            guard got == 512 else { throw DataError.malformed(file: path, expected: "a 512-byte tar header at byte \(offset)", actual: "\(got) bytes") }
            let stored = octal(header[148..<156])
            let sum = header.enumerated().reduce(0) { $0 + (148..<156 ~= $1.offset ? 32 : Int($1.element)) }
            guard stored == sum else {
                throw DataError.malformed(file: path, expected: "a tar header at byte \(offset) with checksum \(sum)", actual: "\(stored.map(String.init) ?? "no number")")
            }
            guard let size = octal(header[124..<136]), size >= 0, size <= InputLimits.current.maximumElements * 8 else {
                throw DataError.malformed(file: path, expected: "an octal member size at byte \(offset + 124)", actual: hexBytes(header[124..<136]))
            }
            let name = text(header[345..<500]).isEmpty ? text(header[0..<100]) : text(header[345..<500]) + "/" + text(header[0..<100])
            let padded = (size + 511) / 512 * 512
            var remaining = size
            let read: (UnsafeMutableRawBufferPointer) throws -> Int = { buffer in
                guard remaining > 0 else { return 0 }
                let count = try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)]))
                guard count > 0 else { throw DataError.malformed(file: path, expected: "\(size) bytes of member \(messageText(name))", actual: "the end of the archive") }
                remaining -= count
                return count
            }
            let type = header[156]
            if type == UInt8(ascii: "0") || type == 0 {
                try body(name, size, read)
            } else if regularFilesOnly && !(type == UInt8(ascii: "5") && [".", "./"].contains(name)) {
                throw DataError.malformed(
                    file: path, expected: "only regular files", actual: "member \(messageText(name)) of type '\(messageText(String(UnicodeScalar(type))))'")
            }
            var skip = [UInt8](repeating: 0, count: 1 << 16)
            while remaining > 0 { _ = try skip.withUnsafeMutableBytes { try read($0) } }
            let padding = padded - size
            if padding > 0 {
                guard try skip.withUnsafeMutableBytes({ try fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<padding])) }) == padding else {
                    throw DataError.malformed(file: path, expected: "the padding of member \(messageText(name))", actual: "the end of the archive")
                }
            }
            offset += 512 + padded
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal field (spaces and NULs around the digits), or `nil`.
    private static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        let digits = text(bytes).trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.count <= 21 else { return nil }
        return Int(digits, radix: 8)
    }
}
