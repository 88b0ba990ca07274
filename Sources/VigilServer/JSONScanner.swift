import VigilData

/// A reader of JSON text for the service's request bodies, strict about RFC 8259's grammar
/// (numbers, literals, escapes, control characters): it walks the bytes once, converts
/// numbers straight into the rows it fills, and says where (the byte offset) and what it
/// found when the text is not what it expects. Nesting is capped at ``maximumDepth`` so a
/// hostile body cannot exhaust the stack. Invalid UTF-8 and lone surrogates in strings
/// become U+FFFD; a repeated key is read again (the readers above refuse the ones that matter).
struct JSONScanner {
    static let maximumDepth = 64
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte after whitespace, without taking it.
    mutating func peek() -> UInt8? {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
        return offset < bytes.count ? bytes[offset] : nil
    }

    /// Takes `byte` (after whitespace) or throws, naming `what` was expected.
    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard peek() == byte else { throw error(expected: what) }
        offset += 1
    }

    /// Starts an object or an array: takes its opening bracket.
    mutating func begin(_ bracket: UInt8) throws {
        try expect(bracket, bracket == 0x7B ? "an object ('{')" : "an array ('[')")
    }

    /// Whether the array begun by ``begin(_:)`` has another element (taking the comma before
    /// it), or ends here (taking the `]`). `index` counts the elements seen.
    mutating func nextElement(_ index: inout Int) throws -> Bool {
        if peek() == 0x5D {
            offset += 1
            return false
        }
        if index > 0 { try expect(0x2C, "',' or ']'") }
        index += 1
        return true
    }

    /// The next key of the object begun by ``begin(_:)`` (taking the comma before it and the
    /// colon after it), or `nil` at its end (taking the `}`).
    mutating func nextKey(_ index: inout Int) throws -> String? {
        if peek() == 0x7D {
            offset += 1
            return nil
        }
        if index > 0 { try expect(0x2C, "',' or '}'") }
        index += 1
        let key = try string()
        try expect(0x3A, "':'")
        return key
    }

    /// Whether the next value is a number (it starts with `-` or a digit).
    mutating func atNumber() -> Bool {
        guard let byte = peek() else { return false }
        return byte == 0x2D || (0x30...0x39).contains(byte)
    }

    /// A number, by JSON's grammar.
    mutating func number() throws -> Double {
        guard atNumber() else { throw error(expected: "a number") }
        let start = offset
        if bytes[offset] == 0x2D { offset += 1 }
        if offset < bytes.count, bytes[offset] == 0x30 {
            offset += 1  // a leading zero stands alone
        } else {
            guard digits() > 0 else { throw error(expected: "a digit", at: offset) }
        }
        if offset < bytes.count, bytes[offset] == 0x2E {
            offset += 1
            guard digits() > 0 else { throw error(expected: "a digit after '.'", at: offset) }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == 0x65 {
            offset += 1
            if offset < bytes.count, bytes[offset] == 0x2B || bytes[offset] == 0x2D { offset += 1 }
            guard digits() > 0 else { throw error(expected: "a digit in the exponent", at: offset) }
        }
        let value = bytes.withUnsafeBufferPointer { NumberParser.double(UnsafeBufferPointer(rebasing: $0[start..<offset])) }
        guard let value else { throw error(expected: "a number", at: start) }
        return value
    }

    private mutating func digits() -> Int {
        let start = offset
        while offset < bytes.count, (0x30...0x39).contains(bytes[offset]) { offset += 1 }
        return offset - start
    }

    /// A string, its escapes resolved.
    mutating func string() throws -> String {
        try expect(0x22, "a string")
        var scalars = String.UnicodeScalarView()
        var run = offset
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars) }
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case 0x22:
                flush(offset)
                offset += 1
                return String(scalars)
            case 0x5C:
                flush(offset)
                offset += 1
                guard offset < bytes.count else { break }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case 0x22, 0x5C, 0x2F: scalars.append(Unicode.Scalar(escape))
                case 0x62: scalars.append("\u{08}")
                case 0x66: scalars.append("\u{0C}")
                case 0x6E: scalars.append("\n")
                case 0x72: scalars.append("\r")
                case 0x74: scalars.append("\t")
                case 0x75:
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), offset + 1 < bytes.count, bytes[offset] == 0x5C, bytes[offset + 1] == 0x75 {
                        offset += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error(expected: "a low surrogate", at: offset - 6) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: throw error(expected: "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)", at: offset - 1)
                }
                run = offset
            case 0..<0x20: throw error(expected: "a closing '\"' (control characters must be escaped)")
            default: offset += 1
            }
        }
        throw error(expected: "a closing '\"'")
    }

    private mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error(expected: "four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexValue(bytes[offset]) else { throw error(expected: "a hexadecimal digit") }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    /// `true` or `false`.
    mutating func bool() throws -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw error(expected: "true or false")
    }

    private mutating func literal(_ word: String) -> Bool {
        _ = peek()
        let word = Array(word.utf8)
        guard offset + word.count <= bytes.count, Array(bytes[offset..<(offset + word.count)]) == word else { return false }
        offset += word.count
        return true
    }

    /// Skips any value, checking its syntax.
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < Self.maximumDepth else { throw error(expected: "at most \(Self.maximumDepth) levels of nesting") }
        switch peek() {
        case 0x7B?:
            try begin(0x7B)
            var index = 0
            while try nextKey(&index) != nil { try skipValue(depth: depth + 1) }
        case 0x5B?:
            try begin(0x5B)
            var index = 0
            while try nextElement(&index) { try skipValue(depth: depth + 1) }
        case 0x22?: _ = try string()
        case 0x74?, 0x66?: _ = try bool()
        case 0x6E?: guard literal("null") else { throw error(expected: "a value") }
        default: _ = try number()
        }
    }

    /// Checks that nothing but whitespace follows.
    mutating func end() throws {
        guard peek() == nil else { throw error(expected: "the end of the body") }
    }

    /// The text of the value at the current position, for a message (a quoted string, a
    /// literal, a bracket), at most 40 characters.
    mutating func found() -> String {
        guard let first = peek() else { return "the end of the body" }
        if first == 0x7B { return "an object" }
        if first == 0x5B { return "an array" }
        var end = offset + (first == 0x22 ? 1 : 0)
        while end < bytes.count, end - offset < 40 {
            let byte = bytes[end]
            if first == 0x22 ? byte == 0x22 : [0x2C, 0x5D, 0x7D, 0x20, 0x0A, 0x0D, 0x09].contains(byte) { break }
            end += 1
        }
        if first == 0x22, end < bytes.count, bytes[end] == 0x22 { end += 1 }
        return String(decoding: bytes[offset..<max(end, offset + 1)], as: UTF8.self)
    }

    /// A malformed-JSON error at `at` (the current position by default).
    mutating func error(expected: String, at: Int? = nil) -> ServiceError {
        let position = at ?? offset
        let saved = offset
        offset = position
        let what = found()
        offset = saved
        return .malformedJSON(at: position, expected: expected, got: what)
    }
}
