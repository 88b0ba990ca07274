/// A dense, row-major array of `Float` values of any rank.
///
/// `Tensor` is a value type: copies share storage until one of them is mutated
/// (copy-on-write through Swift's `Array`). A tensor of rank 0 is a scalar and has
/// shape `[]` and one element.
///
/// The element at multi-index `(i₀, …, iₙ₋₁)` lives at offset `Σ iₖ·strideₖ` with
/// `strideₙ₋₁ = 1` and `strideₖ = strideₖ₊₁·shapeₖ₊₁`.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// The extent of every axis, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public internal(set) var scalars: [Float]

    /// Creates a tensor from its shape and row-major elements.
    ///
    /// - Precondition: every extent is non-negative and `scalars.count` equals the product
    ///   of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor: shape \(shape) holds \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a rank-0 tensor holding one value.
    public init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// Creates a rank-2 tensor from rows of equal length.
    public init(rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "Tensor(rows:): rows differ in length")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// The identity matrix of size `n × n`.
    public static func identity(_ n: Int) -> Tensor {
        var result = Tensor(zeros: [n, n])
        for i in 0..<n { result.scalars[i * n + i] = 1 }
        return result
    }

    /// Creates a tensor whose storage is written by `initializer`, without zero-filling first.
    ///
    /// `initializer` must write every one of the `shape.reduce(1, *)` elements.
    public init(
        uninitializedShape shape: [Int],
        _ initializer: (UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
    }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }
    /// The single element of a tensor with one element.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: shape \(shape) holds \(count) elements, expected 1")
        return scalars[0]
    }

    /// The row-major strides of `shape`.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The element at a multi-index.
    public subscript(_ indices: Int...) -> Float {
        get { scalars[offset(of: indices)] }
        set { scalars[offset(of: indices)] = newValue }
    }

    private func offset(of indices: [Int]) -> Int {
        precondition(indices.count == rank, "Tensor subscript: \(indices.count) indices for shape \(shape)")
        var offset = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "Tensor subscript: index \(indices) out of shape \(shape)")
            offset = offset * shape[axis] + index
        }
        return offset
    }

    /// The same elements viewed with another shape of equal element count; `-1` stands
    /// for the one extent inferred from the others.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var result = self
        result.shape = Tensor.resolve(newShape, count: count)
        return result
    }

    static func resolve(_ newShape: [Int], count: Int) -> [Int] {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        precondition(inferred.count <= 1, "reshape: more than one -1 in \(newShape)")
        var resolved = newShape
        if let axis = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != axis }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot view \(count) elements as \(newShape)")
            resolved[axis] = count / known
        }
        precondition(
            resolved.reduce(1, *) == count,
            "reshape: cannot view \(count) elements as shape \(newShape)")
        return resolved
    }

    /// Calls `body` with a buffer over the elements, without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable buffer over the elements (copying first only if the
    /// storage is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    public var description: String {
        "Tensor(shape: \(shape), scalars: \(count <= 16 ? "\(scalars)" : "\(Array(scalars.prefix(16))) …"))"
    }
}
