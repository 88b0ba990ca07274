import Foundation
import VigilTensor

extension NumPy {
    /// Streams the rows of a 2-D `.npy` file (plain or gzip-compressed) in batches of at most
    /// `batchSize` rows converted to Float32, reading the file once, front to back, so a file
    /// of any size is read in bounded memory. Returns the array's shape.
    ///
    /// - Parameter body: called with each batch (`[rows, columns]`) and the index of its first row.
    /// - Throws: ``DataError`` naming the file, with the messages of ``read(path:limits:)`` (a
    ///   header over 65,536 bytes says that limit; bytes past the data are "more"):
    ///   not an `.npy`, Fortran order, an unsupported dtype, more elements than
    ///   ``InputLimits/maximumElements`` (a cap on the file, not on memory here: raise it
    ///   freely with `VIGIL_MAX_ELEMENTS`), a shape that is not `[rows, features]` with at least
    ///   one feature and at most ``InputLimits/maximumLayerUnits``, or data shorter or longer
    ///   than the shape says. A batch holds at most 16 MiB of the file's data.
    @discardableResult
    public static func forEachBatch(
        path: String, batchSize: Int, limits: InputLimits = .current, _ body: (_ rows: Tensor, _ firstRow: Int) throws -> Void
    ) throws -> [Int] {
        guard batchSize >= 1 else { throw DataError.invalidArgument(name: "batch size", expected: "at least 1", actual: "\(batchSize)") }
        let source = try ByteSource(path: path)
        func fill(_ count: Int) throws -> [UInt8] { try source.bytes(upTo: count) }
        var preamble = try fill(10)
        guard preamble.count == 10, Array(preamble[0..<6]) == magic else {
            throw DataError.malformed(file: path, expected: "an .npy file (starting with \\x93NUMPY)", actual: "a file starting with bytes \(hexBytes(preamble.prefix(6)))")
        }
        if preamble[6] >= 2 { preamble += try fill(2) }
        let (start, length) = try Header.extent(preamble, file: path)
        guard length <= maximumHeaderBytes else {
            throw DataError.malformed(file: path, expected: "a header of at most \(maximumHeaderBytes) bytes", actual: "a header length of \(length)")
        }
        let header = try Header(preamble + fill(start + length - preamble.count), file: path)
        guard limits.elementCount(header.shape) != nil else {
            throw DataError.tooLarge(file: path, what: "elements (shape \(header.shape))", limit: limits.maximumElements, setting: "VIGIL_MAX_ELEMENTS")
        }
        let convert = try converter(header.descriptor, file: path)
        guard header.shape.count == 2 else { throw DataError.malformed(file: path, expected: "a 2-D array [rows, features]", actual: "shape \(header.shape)") }
        guard header.shape[1] >= 1 else {
            throw DataError.malformed(file: path, expected: "at least one feature column", actual: "shape \(header.shape)")
        }
        // A row wider than a detector may be is refused before anything is allocated for it.
        let units = limits.maximumLayerUnits
        guard header.shape[1] <= units else {
            throw DataError.tooLarge(file: path, what: "features per row (\(header.shape[1]))", limit: units, setting: "VIGIL_MAX_LAYER_UNITS")
        }
        let (rows, columns) = (header.shape[0], header.shape[1])
        // Batches of at most 16 MiB of file data, whatever the header claims the file holds.
        let rowsPerBatch = min(batchSize, max(1, (16 << 20) / (columns * convert.size)))
        var row = 0
        while row < rows {
            let count = min(rowsPerBatch, rows - row)
            let bytes = try fill(count * columns * convert.size)
            guard bytes.count == count * columns * convert.size else {
                throw DataError.malformed(
                    file: path, expected: "\(rows * columns * convert.size) bytes of \(header.descriptor) data for shape \(header.shape)",
                    actual: "\(row * columns * convert.size + bytes.count) bytes")
            }
            let values = bytes.withUnsafeBytes { raw in (0..<(count * columns)).map { convert.value(raw, $0) } }
            try body(Tensor(shape: [count, columns], scalars: values), row)
            row += count
        }
        guard try fill(1).isEmpty else {
            throw DataError.malformed(file: path, expected: "\(rows * columns * convert.size) bytes of \(header.descriptor) data for shape \(header.shape)", actual: "more")
        }
        return header.shape
    }

    /// Element `index` of little-endian data of dtype `descriptor`, as a Float, and the element size.
    private static func converter(_ descriptor: String, file: String) throws -> (size: Int, value: (UnsafeRawBufferPointer, Int) -> Float) {
        switch descriptor {
        case "<f4", "=f4": return (4, { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 4, as: UInt32.self))) })
        case "<f8", "=f8": return (8, { Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: UInt64.self)))) })
        case "<i4", "=i4": return (4, { Float(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 4, as: Int32.self))) })
        case "<i8", "=i8": return (8, { Float(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: Int64.self))) })
        case "|u1", "<u1", "u1": return (1, { Float($0[$1]) })
        case "|b1", "<b1", "b1": return (1, { $0[$1] != 0 ? 1 : 0 })
        default:
            throw DataError.unexpectedValue(
                file: file, line: nil, column: nil, expected: "dtype float32, float64, int32, int64, uint8 or bool (little-endian)",
                actual: "dtype \(messageText(descriptor))")
        }
    }
}
