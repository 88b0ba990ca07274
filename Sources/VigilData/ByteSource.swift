import CZlib
import Foundation
import VigilTensor

/// A file read in chunks, inflated on the fly when it is gzip-compressed (detected from
/// its magic bytes `1f 8b`), so files of any size stream through bounded memory; or bytes
/// already in memory (a request's body), read the same way.
final class ByteSource {
    /// The file, or the name given to bytes in memory, as errors name it.
    let path: String
    private let handle: FileHandle?
    private var inflater: Inflater?
    private var compressedChunk = Data()
    private var compressedOffset = 0
    private var finished = false
    /// For bytes in memory: how much content they may inflate to.
    private var limit: (bytes: Int, setting: String)?
    private var produced = 0
    static let chunkSize = 1 << 20

    /// Opens a regular file, or a FIFO (streamed like one); a folder, a device or a socket
    /// is refused with what it is, and a failure to open names the system's reason.
    init(path: String) throws {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { throw DataError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO: break
        case S_IFDIR: throw DataError.cannotOpen(file: path, reason: "it is a folder, expected a file")
        default: throw DataError.cannotOpen(file: path, reason: "it is a device or a socket, expected a regular file or a pipe")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DataError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        self.handle = handle
        let magic: Data
        do { magic = try handle.read(upToCount: 2) ?? Data() } catch {
            throw DataError.ioFailure(file: path, reason: error.localizedDescription)
        }
        if magic == Data([0x1F, 0x8B]) { inflater = try Inflater(format: .gzip, file: path) }
        compressedChunk = magic
    }

    /// The bytes `bytes`, named `name` in errors; gzip-compressed ones are inflated as read,
    /// to at most `limit.bytes` (the setting `limit.setting` names), so a small compressed
    /// body cannot unfold into gigabytes.
    init(bytes: [UInt8], name: String, limit: (bytes: Int, setting: String)? = nil) throws {
        path = name
        handle = nil
        if bytes.starts(with: [0x1F, 0x8B]) { inflater = try Inflater(format: .gzip, file: name) }
        compressedChunk = Data(bytes)
        self.limit = limit
    }

    /// Fills `buffer` with the next bytes of (decompressed) content; returns 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try readContent(into: buffer)
        produced += count
        if let limit, produced > limit.bytes {
            throw DataError.tooLarge(file: path, what: "bytes (decompressed)", limit: limit.bytes, setting: limit.setting)
        }
        return count
    }

    /// Fills the whole of `buffer` unless the content ends first; returns how many bytes were read.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// The next `count` bytes of content, fewer only at its end.
    func bytes(upTo count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = try bytes.withUnsafeMutableBytes { try fill($0) }
        return filled == count ? bytes : Array(bytes[0..<filled])
    }

    private func readContent(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished else { return 0 }
        guard let inflater else {
            var written = 0
            if compressedOffset < compressedChunk.count {
                let count = min(buffer.count, compressedChunk.count - compressedOffset)
                compressedChunk.withUnsafeBytes { source in
                    buffer.baseAddress!.copyMemory(from: source.baseAddress! + compressedOffset, byteCount: count)
                }
                compressedOffset += count
                written = count
            }
            if written == buffer.count { return written }
            let more = try readChunk(max: buffer.count - written)
            more.withUnsafeBytes { source in
                if !more.isEmpty { (buffer.baseAddress! + written).copyMemory(from: source.baseAddress!, byteCount: more.count) }
            }
            written += more.count
            if written == 0 { finished = true }
            return written
        }
        while true {
            if compressedOffset == compressedChunk.count {
                compressedChunk = try readChunk(max: Self.chunkSize)
                compressedOffset = 0
                if compressedChunk.isEmpty {
                    try inflater.finish()
                    finished = true
                    return 0
                }
            }
            let (consumed, produced) = try compressedChunk.withUnsafeBytes { source throws in
                try inflater.inflate(
                    UnsafeRawBufferPointer(rebasing: source[compressedOffset...]), into: buffer)
            }
            compressedOffset += consumed
            if produced > 0 { return produced }
            if inflater.isAtEnd && compressedOffset == compressedChunk.count {
                // A gzip file may hold several members; keep going if more input follows.
                compressedChunk = try readChunk(max: Self.chunkSize)
                compressedOffset = 0
                if compressedChunk.isEmpty {
                    finished = true
                    return 0
                }
                try inflater.reset()
            } else if inflater.isAtEnd {
                try inflater.reset()
            }
        }
    }

    private func readChunk(max: Int) throws -> Data {
        // Bytes in memory are all in the first chunk.
        guard let handle else { return Data() }
        do { return try handle.read(upToCount: max) ?? Data() } catch {
            throw DataError.ioFailure(file: path, reason: error.localizedDescription)
        }
    }

    /// Reads the whole (decompressed) content, of at most `maximumBytes`.
    static func readAll(_ path: String, maximumBytes: Int = InputLimits.current.maximumElements) throws -> [UInt8] {
        let source = try ByteSource(path: path)
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer throws in try source.read(into: buffer) }
            if count == 0 { return result }
            guard result.count + count <= maximumBytes else {
                throw DataError.tooLarge(file: path, what: "bytes (decompressed)", limit: maximumBytes, setting: "VIGIL_MAX_ELEMENTS")
            }
            result.append(contentsOf: chunk[0..<count])
        }
    }
}

/// zlib's inflate for gzip members, raw deflate streams (zip entries) and zlib streams (PNG image data).
final class Inflater {
    enum Format { case gzip, rawDeflate, zlib }

    private var stream = z_stream()
    private let file: String
    private(set) var isAtEnd = false
    private var sawInput = false

    init(format: Format, file: String) throws {
        self.file = file
        let windowBits: Int32 = switch format {
        case .gzip: 15 + 16
        case .rawDeflate: -15
        case .zlib: 15
        }
        let status = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw DataError.corruptCompression(file: file, reason: "zlib could not start (status \(status))") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates from `input` into `output`; returns how many bytes were consumed and produced.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
        guard !isAtEnd else { return (0, 0) }
        if input.count > 0 { sawInput = true }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        // zlib counts in 32 bits: offer at most 1 GiB of either side per call.
        let (inputCount, outputCount) = (min(input.count, 1 << 30), min(output.count, 1 << 30))
        stream.avail_in = uInt(inputCount)
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(outputCount)
        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
        let consumed = inputCount - Int(stream.avail_in)
        let produced = outputCount - Int(stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END: isAtEnd = true
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw DataError.corruptCompression(file: file, reason: message)
        }
        return (consumed, produced)
    }

    /// Checks that the stream ended properly once the input is exhausted.
    func finish() throws {
        if !isAtEnd {
            throw DataError.corruptCompression(
                file: file, reason: sawInput ? "unexpected end of data (the file is truncated)" : "no compressed data")
        }
    }

    /// Prepares for a following gzip member.
    func reset() throws {
        guard inflateReset(&stream) == Z_OK else { throw DataError.corruptCompression(file: file, reason: "cannot reset") }
        isAtEnd = false
    }

    /// Inflates a complete raw deflate stream (as stored in a zip entry) or zlib stream (a
    /// PNG's image data) of known size.
    static func inflateRaw(_ data: [UInt8], expectedSize: Int, file: String, format: Format = .rawDeflate) throws -> [UInt8] {
        guard (0...(InputLimits.current.maximumElements * 8)).contains(expectedSize) else {
            throw DataError.tooLarge(file: file, what: "bytes in a compressed entry (stated size \(expectedSize))", limit: InputLimits.current.maximumElements * 8, setting: "VIGIL_MAX_ELEMENTS")
        }
        let inflater = try Inflater(format: format, file: file)
        var output = [UInt8](repeating: 0, count: expectedSize)
        var consumed = 0
        var produced = 0
        while !inflater.isAtEnd {
            let (used, made) = try data.withUnsafeBytes { input throws in
                try output.withUnsafeMutableBytes { out throws in
                    try inflater.inflate(
                        UnsafeRawBufferPointer(rebasing: input[consumed...]),
                        into: UnsafeMutableRawBufferPointer(rebasing: out[produced...]))
                }
            }
            consumed += used
            produced += made
            if used == 0 && made == 0 && !inflater.isAtEnd {
                throw DataError.corruptCompression(file: file, reason: "deflate stream ends early or is longer than its stated size \(expectedSize)")
            }
        }
        guard produced == expectedSize else {
            throw DataError.corruptCompression(file: file, reason: "inflated to \(produced) bytes, expected \(expectedSize)")
        }
        return output
    }
}

/// zlib's deflate for gzip files and zip entries.
enum Deflater {
    /// Compresses `data` as a raw deflate stream (`gzip: false`) or a gzip member.
    static func compress(_ data: [UInt8], gzip: Bool = false, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = gzip ? 15 + 16 : -15
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed with status \(status)")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        let written: Int = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish (status \(result))")
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<written])
    }

    /// The CRC-32 of `data` (zip's checksum).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBytes { UInt32(CZlib.crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
    }
}
