import Foundation
import VigilTensor

/// An array in NumPy's `.npy` format: C order, little-endian, one of six element types.
public struct NumPyArray: Equatable, Sendable {
    /// The elements, in C (row-major) order, in their own type.
    public enum Elements: Equatable, Sendable {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])
        case bool([Bool])

        var count: Int {
            switch self {
            case .float32(let v): v.count
            case .float64(let v): v.count
            case .int32(let v): v.count
            case .int64(let v): v.count
            case .uint8(let v): v.count
            case .bool(let v): v.count
            }
        }

        /// NumPy's `descr` string.
        var descriptor: String {
            switch self {
            case .float32: "<f4"
            case .float64: "<f8"
            case .int32: "<i4"
            case .int64: "<i8"
            case .uint8: "|u1"
            case .bool: "|b1"
            }
        }
    }

    public var shape: [Int]
    public var elements: Elements

    /// - Precondition: the shape's extents are non-negative and multiply to the element count.
    public init(shape: [Int], elements: Elements) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == elements.count,
            "NumPyArray: shape \(shape) for \(elements.count) elements")
        self.shape = shape
        self.elements = elements
    }

    /// A float32 array holding a tensor.
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, elements: .float32(tensor.scalars))
    }

    /// The elements converted to a Float32 tensor (booleans as 0/1).
    public var tensor: Tensor {
        let values: [Float] = switch elements {
        case .float32(let v): v
        case .float64(let v): v.map { Float($0) }
        case .int32(let v): v.map { Float($0) }
        case .int64(let v): v.map { Float($0) }
        case .uint8(let v): v.map { Float($0) }
        case .bool(let v): v.map { $0 ? 1 : 0 }
        }
        return Tensor(shape: shape, scalars: values)
    }
}

/// Reading and writing NumPy's `.npy` and `.npz` files.
public enum NumPy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads an `.npy` file (plain or gzip-compressed) of at most
    /// ``InputLimits/maximumElements`` elements.
    public static func read(path: String, limits: InputLimits = .current) throws -> NumPyArray {
        let (dataBytes, overflow) = limits.maximumElements.multipliedReportingOverflow(by: 8)
        return try decode(ByteSource.readAll(path, maximumBytes: overflow ? Int.max : dataBytes + maximumHeaderBytes + 12), file: path, limits: limits)
    }

    /// The longest header read (NumPy itself refuses headers over 10,000 bytes by default).
    static let maximumHeaderBytes = 1 << 16

    /// Writes an `.npy` file (format version 1.0), atomically.
    public static func write(_ array: NumPyArray, to path: String) throws {
        try OutputFile.write(encode(array), to: path)
    }

    /// Parses the bytes of an `.npy` file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String, limits: InputLimits = .current) throws -> NumPyArray {
        let header = try Header(bytes, file: file)
        let (descriptor, dimensions) = (header.descriptor, header.shape)
        guard let count = limits.elementCount(dimensions) else {
            throw DataError.tooLarge(file: file, what: "elements (shape \(dimensions))", limit: limits.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
        }
        let data = bytes[header.dataOffset...]
        func load<T>(_ type: T.Type) throws -> [T] {
            let size = MemoryLayout<T>.size
            guard data.count == count * size else {
                throw DataError.malformed(
                    file: file, expected: "\(count * size) bytes of \(descriptor) data for shape \(dimensions)", actual: "\(data.count) bytes")
            }
            return data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self) } }
        }
        let elements: NumPyArray.Elements
        switch descriptor {
        case "<f4", "=f4": elements = .float32(try load(UInt32.self).map { Float(bitPattern: UInt32(littleEndian: $0)) })
        case "<f8", "=f8": elements = .float64(try load(UInt64.self).map { Double(bitPattern: UInt64(littleEndian: $0)) })
        case "<i4", "=i4": elements = .int32(try load(Int32.self).map { Int32(littleEndian: $0) })
        case "<i8", "=i8": elements = .int64(try load(Int64.self).map { Int64(littleEndian: $0) })
        case "|u1", "<u1", "u1": elements = .uint8(try load(UInt8.self))
        case "|b1", "<b1", "b1": elements = .bool(try load(UInt8.self).map { $0 != 0 })
        default:
            throw DataError.unexpectedValue(
                file: file, line: nil, column: nil, expected: "dtype float32, float64, int32, int64, uint8 or bool (little-endian)",
                actual: "dtype \(messageText(descriptor))")
        }
        return NumPyArray(shape: dimensions, elements: elements)
    }

    /// The preamble and header of an `.npy` file: its dtype, shape and where its data starts.
    struct Header {
        let descriptor: String
        let shape: [Int]
        let dataOffset: Int

        /// The header at the start of `bytes` (which must hold at least the preamble and the header).
        init(_ bytes: [UInt8], file: String) throws {
            guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
                throw DataError.malformed(file: file, expected: "an .npy file (starting with \\x93NUMPY)", actual: "a file starting with bytes \(hexBytes(bytes.prefix(6)))")
            }
            let (headerStart, headerLength) = try Self.extent(bytes, file: file)
            guard headerLength <= maximumHeaderBytes, headerStart + headerLength <= bytes.count else {
                throw DataError.malformed(
                    file: file, expected: "a header of at most \(min(maximumHeaderBytes, bytes.count - headerStart)) bytes", actual: "a header length of \(headerLength)")
            }
            let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
            descriptor = try headerValue("descr", in: header, file: file).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            let fortran = try headerValue("fortran_order", in: header, file: file)
            guard fortran == "False" else {
                throw DataError.unexpectedValue(file: file, line: nil, column: nil, expected: "C order (fortran_order False)", actual: "fortran_order \(fortran)")
            }
            let shapeText = try headerValue("shape", in: header, file: file)
            let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard let dimensions = Optional(shape.compactMap { Int($0) }), dimensions.count == shape.count, dimensions.allSatisfy({ $0 >= 0 }) else {
                throw DataError.malformed(file: file, expected: "a shape tuple of non-negative integers", actual: messageText(shapeText))
            }
            self.shape = dimensions
            dataOffset = headerStart + headerLength
        }

        /// Where the header starts and how long it is, from the preamble (10 or 12 bytes).
        static func extent(_ bytes: [UInt8], file: String) throws -> (start: Int, length: Int) {
            let (start, length): (Int, Int)
            switch bytes[6] {
            case 1: (start, length) = (10, Int(bytes[8]) | Int(bytes[9]) << 8)
            case 2, 3:
                guard bytes.count >= 12 else { throw DataError.malformed(file: file, expected: "a 12-byte preamble", actual: "\(bytes.count) bytes") }
                (start, length) = (12, (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) })
            default:
                throw DataError.malformed(file: file, expected: "format version 1, 2 or 3", actual: "version \(bytes[6])")
            }
            return (start, length)
        }
    }

    private static func headerValue(_ key: String, in header: String, file: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
            throw DataError.malformed(file: file, expected: "a header with '\(key)'", actual: messageText(header))
        }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw DataError.malformed(file: file, expected: "a closed shape tuple", actual: messageText(header)) }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// The bytes of an `.npy` file (version 1.0, header padded to a multiple of 64).
    public static func encode(_ array: NumPyArray) -> [UInt8] {
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(\(array.shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(array.elements.descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        func append<T>(_ values: [T]) { values.withUnsafeBytes { bytes += Array($0) } }
        switch array.elements {
        case .float32(let v): append(v.map { $0.bitPattern.littleEndian })
        case .float64(let v): append(v.map { $0.bitPattern.littleEndian })
        case .int32(let v): append(v.map { $0.littleEndian })
        case .int64(let v): append(v.map { $0.littleEndian })
        case .uint8(let v): bytes += v
        case .bool(let v): bytes += v.map { $0 ? 1 : 0 }
        }
        return bytes
    }
}

