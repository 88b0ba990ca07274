import Foundation
import VigilTensor

/// Streams the lines of a text file (plain or gzip-compressed) through a fixed buffer.
enum LineReader {
    /// Calls `body` with every line's bytes (without the line break or a trailing `\r`)
    /// and its 1-based number. The buffer is only valid during the call.
    ///
    /// - Throws: ``DataError/tooLarge(file:what:limit:setting:)`` for a line longer than
    ///   `maximumLineBytes` (a file without line breaks, a device that never ends).
    static func forEachLine(
        _ path: String, maximumLineBytes: Int = InputLimits.current.maximumLineBytes, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws {
        try forEachLine(ByteSource(path: path), maximumLineBytes: maximumLineBytes, body)
    }

    /// Calls `body` with every line of `source`, as ``forEachLine(_:maximumLineBytes:_:)-(String,_,_)`` does for a file.
    static func forEachLine(
        _ source: ByteSource, maximumLineBytes: Int = InputLimits.current.maximumLineBytes, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws {
        let path = source.path
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ByteSource.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        func tooLong() -> DataError {
            DataError.tooLarge(file: path, what: "bytes in line \(lineNumber + 1)", limit: maximumLineBytes, setting: "VIGIL_MAX_LINE_BYTES")
        }
        while true {
            if filled == buffer.count {
                guard filled <= maximumLineBytes else { throw tooLong() }
                // A line longer than the buffer: grow it.
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = larger
            }
            let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            let end = filled + count
            let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var start = 0
            while start < end, let newline = memchr(bytes + start, 0x0A, end - start) {
                let position = bytes.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                guard position - start <= maximumLineBytes else { throw tooLong() }
                lineNumber += 1
                try body(trimmed(bytes + start, position - start), lineNumber)
                start = position + 1
            }
            // The unfinished last line is already too long: stop before reading more of it.
            guard end - start <= maximumLineBytes else { throw tooLong() }
            if count == 0 {
                if start < end {
                    lineNumber += 1
                    try body(trimmed(bytes + start, end - start), lineNumber)
                }
                return
            }
            // Keep the partial last line at the front of the buffer.
            if start > 0 {
                memmove(bytes, bytes + start, end - start)
            }
            filled = end - start
        }
    }

    private static func trimmed(_ start: UnsafeMutablePointer<UInt8>, _ count: Int) -> UnsafeBufferPointer<UInt8> {
        let length = count > 0 && start[count - 1] == 0x0D ? count - 1 : count
        return UnsafeBufferPointer(start: start, count: length)
    }
}

/// Parses decimal numbers from bytes without creating strings.
public enum NumberParser {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value of `text` (`[+-]digits[.digits][(e|E)[+-]digits]`, or `nan`, `inf`), or
    /// `nil` when it is not a number. Up to 19 significant digits and exponents within
    /// ±22 are converted exactly (one correctly rounded division); other forms go
    /// through `strtod`.
    public static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let count = text.count
        guard count > 0 else { return nil }
        var negative = false
        if text[0] == 0x2D || text[0] == 0x2B {
            negative = text[0] == 0x2D
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        while index < count, text[index] &- 0x30 < 10 {
            if digits < 19 {
                mantissa = mantissa * 10 + UInt64(text[index] - 0x30)
                if mantissa > 0 { digits += 1 }
            } else {
                scale += 1
            }
            sawDigit = true
            index += 1
        }
        if index < count, text[index] == 0x2E {
            index += 1
            while index < count, text[index] &- 0x30 < 10 {
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(text[index] - 0x30)
                    if mantissa > 0 { digits += 1 }
                    scale -= 1
                }
                sawDigit = true
                index += 1
            }
        }
        guard sawDigit else { return slowDouble(text) }
        if index < count {
            guard text[index] == 0x65 || text[index] == 0x45 else { return nil }
            index += 1
            var exponentNegative = false
            if index < count, text[index] == 0x2D || text[index] == 0x2B {
                exponentNegative = text[index] == 0x2D
                index += 1
            }
            var exponent = 0
            var sawExponentDigit = false
            while index < count, text[index] &- 0x30 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(text[index] - 0x30) }
                sawExponentDigit = true
                index += 1
            }
            guard sawExponentDigit, index == count else { return nil }
            scale += exponentNegative ? -exponent : exponent
        }
        guard mantissa < (1 << 53), abs(scale) <= 22 else { return slowDouble(text) }
        let magnitude = scale < 0 ? Double(mantissa) / powersOfTen[-scale] : Double(mantissa) * powersOfTen[scale]
        return negative ? -magnitude : magnitude
    }

    private static func slowDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        let string = String(decoding: text, as: UTF8.self)
        let lowered = string.lowercased()
        if ["nan", "+nan", "-nan"].contains(lowered) { return .nan }
        if ["inf", "+inf", "infinity", "+infinity"].contains(lowered) { return .infinity }
        if ["-inf", "-infinity"].contains(lowered) { return -.infinity }
        guard let value = Double(string) else { return nil }
        return value
    }
}

/// Maps short byte strings (categories, labels) to dense codes without allocating per lookup.
struct ByteInterner {
    private(set) var names: [String] = []
    private var table: [Int32]
    private var keys: [[UInt8]] = []

    init(capacity: Int = 256) {
        table = Array(repeating: -1, count: capacity * 2)
    }

    /// The code of `bytes`, added with the next code when new.
    mutating func code(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var slot = Int(hash % UInt64(table.count))
        while true {
            let code = Int(table[slot])
            if code < 0 {
                if names.count * 2 >= table.count { grow(); return self.code(of: bytes) }
                table[slot] = Int32(names.count)
                keys.append(Array(bytes))
                names.append(String(decoding: bytes, as: UTF8.self))
                return names.count - 1
            }
            if keys[code].elementsEqual(bytes) {
                return code
            }
            slot = (slot + 1) % table.count
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        table = Array(repeating: -1, count: table.count * 2)
        keys = []
        names = []
        for key in oldKeys { _ = key.withUnsafeBufferPointer { code(of: $0) } }
    }
}
