import Foundation

// Element-wise kernels with NumPy broadcasting: shapes are aligned at their last axes, and
// an axis of extent 1 (or a missing leading axis) repeats to match the other operand.

extension Tensor {
    /// The shape two operands broadcast to.
    ///
    /// - Precondition: aligned from the right, every pair of extents is equal or one is 1;
    ///   the message names `operation` and both shapes.
    public static func broadcastShape(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
        let rank = max(a.count, b.count)
        var result = Array(repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
            let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
            precondition(
                x == y || x == 1 || y == 1,
                "\(operation): shapes \(a) and \(b) do not broadcast (axis \(axis): \(x) vs \(y))")
            result[axis] = x == 1 ? y : x
        }
        return result
    }

    /// Strides of `shape` read as `target` (an axis broadcast from extent 1 gets stride 0).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let offset = target.count - shape.count
        return target.indices.map { axis in
            let source = axis - offset
            return source < 0 || shape[source] == 1 ? 0 : own[source]
        }
    }

    /// Combines two tensors element by element with broadcasting.
    @inline(__always)
    static func zip(
        _ a: Tensor, _ b: Tensor, operation: String, _ combine: (Float, Float) -> Float
    ) -> Tensor {
        if a.shape == b.shape {
            return Tensor(uninitializedShape: a.shape) { out in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        for i in 0..<out.count { out[i] = combine(x[i], y[i]) }
                    }
                }
            }
        }
        let shape = broadcastShape(a.shape, b.shape, operation: operation)
        let strideA = broadcastStrides(a.shape, to: shape)
        let strideB = broadcastStrides(b.shape, to: shape)
        let rank = shape.count
        let inner = shape[rank - 1]
        let innerA = strideA[rank - 1]
        let innerB = strideB[rank - 1]
        return Tensor(uninitializedShape: shape) { out in
            guard out.count > 0 else { return }
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    var index = Array(repeating: 0, count: rank)
                    var offsetA = 0
                    var offsetB = 0
                    var position = 0
                    while position < out.count {
                        if innerA == 1 && innerB == 1 {
                            for j in 0..<inner { out[position + j] = combine(x[offsetA + j], y[offsetB + j]) }
                        } else if innerA == 0 && innerB == 1 {
                            let xv = x[offsetA]
                            for j in 0..<inner { out[position + j] = combine(xv, y[offsetB + j]) }
                        } else if innerA == 1 && innerB == 0 {
                            let yv = y[offsetB]
                            for j in 0..<inner { out[position + j] = combine(x[offsetA + j], yv) }
                        } else {
                            let value = combine(x[offsetA], y[offsetB])
                            for j in 0..<inner { out[position + j] = value }
                        }
                        position += inner
                        // Advance the multi-index over the outer axes.
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offsetA += strideA[axis]
                            offsetB += strideB[axis]
                            if index[axis] < shape[axis] { break }
                            offsetA -= strideA[axis] * shape[axis]
                            offsetB -= strideB[axis] * shape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
    }

    /// Applies `transform` to every element.
    @inline(__always)
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Tensor(uninitializedShape: shape) { out in
            withUnsafeBufferPointer { x in
                for i in 0..<out.count { out[i] = transform(x[i]) }
            }
        }
    }

    /// Applies a vectorised function to every element, splitting large tensors over threads.
    func mapVector<Function: VectorFunction>(_ function: Function.Type) -> Tensor {
        Tensor(uninitializedShape: shape) { out in
            withUnsafeBufferPointer { x in
                let input = UncheckedSendable(x.baseAddress!)
                let output = UncheckedSendable(out.baseAddress!)
                parallelChunks(out.count) { range in
                    FastMath.map(input.value + range.lowerBound, output.value + range.lowerBound, range.count, function)
                }
            }
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { zip(a, b, operation: "add") { $0 + $1 } }
    public static func - (a: Tensor, b: Tensor) -> Tensor { zip(a, b, operation: "subtract") { $0 - $1 } }
    public static func * (a: Tensor, b: Tensor) -> Tensor { zip(a, b, operation: "multiply") { $0 * $1 } }
    public static func / (a: Tensor, b: Tensor) -> Tensor { zip(a, b, operation: "divide") { $0 / $1 } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }
    public static func + (a: Tensor, b: Float) -> Tensor { a.map { $0 + b } }
    public static func - (a: Tensor, b: Float) -> Tensor { a.map { $0 - b } }
    public static func * (a: Tensor, b: Float) -> Tensor { a.map { $0 * b } }
    public static func / (a: Tensor, b: Float) -> Tensor { a.map { $0 / b } }
    public static func * (a: Float, b: Tensor) -> Tensor { b.map { a * $0 } }
    public static func - (a: Float, b: Tensor) -> Tensor { b.map { a - $0 } }

    /// Adds `other` (of the same shape) into this tensor in place, scaled by `scale`.
    public mutating func add(_ other: Tensor, scaledBy scale: Float = 1) {
        precondition(shape == other.shape, "add(_:scaledBy:): shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { y in
            withUnsafeMutableBufferPointer { x in
                if scale == 1 {
                    for i in 0..<x.count { x[i] += y[i] }
                } else {
                    for i in 0..<x.count { x[i] += scale * y[i] }
                }
            }
        }
    }

    /// `e^x` element-wise (vectorised; see ``FastMath``).
    public func exp() -> Tensor { mapVector(ExponentialFunction.self) }
    /// `tanh x` element-wise (vectorised).
    public func tanh() -> Tensor { mapVector(HyperbolicTangentFunction.self) }
    /// `1 / (1 + e^{−x})` element-wise (vectorised).
    public func sigmoid() -> Tensor { mapVector(SigmoidFunction.self) }
    /// Natural logarithm element-wise; `log 0 = −∞`, negative input gives NaN.
    public func log() -> Tensor { map { Foundation.log($0) } }
    /// Square root element-wise; negative input gives NaN.
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    /// Absolute value element-wise.
    public func abs() -> Tensor { map { Swift.abs($0) } }
    /// `max(x, 0)` element-wise.
    public func relu() -> Tensor { map { Swift.max($0, 0) } }
    /// `log(1 + e^x)` element-wise, computed as `max(x, 0) + log1p(e^{−|x|})` so it never overflows.
    public func softplus() -> Tensor { map(Tensor.softplus) }

    /// `log(1 + e^x) = max(x, 0) + log1p(e^{−|x|})`.
    static func softplus(_ x: Float) -> Float { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
    /// `x^p` element-wise for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return map { $0 * $0 } }
        return map { Foundation.pow($0, exponent) }
    }
    /// Every element limited to `[lower, upper]`.
    public func clamped(to lower: Float, _ upper: Float) -> Tensor {
        precondition(lower <= upper, "clamp: lower bound \(lower) above upper bound \(upper)")
        return map { Swift.min(Swift.max($0, lower), upper) }
    }
}
