// Kernels that move elements without arithmetic: permutation of axes, concatenation,
// slicing and row gathering.

extension Tensor {
    /// The axes reordered: axis `i` of the result is axis `permutation[i]` of this tensor.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(
            permutation.sorted() == Array(0..<rank),
            "permute: \(permutation) is not a permutation of the axes of shape \(shape)")
        if permutation == Array(0..<rank) { return self }
        let newShape = permutation.map { shape[$0] }
        let sourceStrides = Tensor.strides(of: shape)
        let stridesInResult = permutation.map { sourceStrides[$0] }
        if rank == 2 { return transposed2D() }
        return Tensor(uninitializedShape: newShape) { out in
            withUnsafeBufferPointer { x in
                var index = Array(repeating: 0, count: rank)
                var offset = 0
                for position in 0..<out.count {
                    out[position] = x[offset]
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += stridesInResult[axis]
                        if index[axis] < newShape[axis] { break }
                        offset -= stridesInResult[axis] * newShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }

    /// A matrix transposed, in cache-friendly 32 × 32 tiles.
    private func transposed2D() -> Tensor {
        let rows = shape[0]
        let columns = shape[1]
        return Tensor(uninitializedShape: [columns, rows]) { out in
            withUnsafeBufferPointer { x in
                for r0 in stride(from: 0, to: rows, by: 32) {
                    for c0 in stride(from: 0, to: columns, by: 32) {
                        for r in r0..<Swift.min(r0 + 32, rows) {
                            for c in c0..<Swift.min(c0 + 32, columns) { out[c * rows + r] = x[r * columns + c] }
                        }
                    }
                }
            }
        }
    }

    /// The transpose of a matrix (rank 2).
    public var transposed: Tensor {
        precondition(rank == 2, "transposed: expected a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate: no tensors")
        let axis = parts[0].normalizedAxis(axis, operation: "concatenate")
        var shape = parts[0].shape
        for part in parts.dropFirst() {
            var a = part.shape
            var b = shape
            precondition(a.count == b.count, "concatenate: shapes \(shape) and \(part.shape) differ in rank")
            a[axis] = 0
            b[axis] = 0
            precondition(a == b, "concatenate: shapes \(parts[0].shape) and \(part.shape) differ off axis \(axis)")
        }
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outer = shape[..<axis].reduce(1, *)
        return Tensor(uninitializedShape: shape) { out in
            let rowLength = shape[axis...].reduce(1, *)
            var columnOffset = 0
            for part in parts {
                let chunk = part.shape[axis...].reduce(1, *)
                part.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        (out.baseAddress! + o * rowLength + columnOffset).update(from: x.baseAddress! + o * chunk, count: chunk)
                    }
                }
                columnOffset += chunk
            }
        }
    }

    /// The elements with index in `range` along `axis`.
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis, operation: "slice")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        var newShape = shape
        newShape[axis] = range.count
        let (outer, extent, inner) = split(at: axis)
        return Tensor(uninitializedShape: newShape) { out in
            withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    (out.baseAddress! + o * range.count * inner).update(
                        from: x.baseAddress! + (o * extent + range.lowerBound) * inner, count: range.count * inner)
                }
            }
        }
    }

    /// Adds `self` into the `range` along `axis` of a zero tensor of `shape` (the adjoint of slicing).
    func padded(into shape: [Int], alongAxis axis: Int, at range: Range<Int>) -> Tensor {
        var result = Tensor(zeros: shape)
        let (outer, extent, inner) = result.split(at: axis)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                for o in 0..<outer {
                    (out.baseAddress! + (o * extent + range.lowerBound) * inner).update(
                        from: x.baseAddress! + o * range.count * inner, count: range.count * inner)
                }
            }
        }
        return result
    }

    /// The values of row `row` (in `0..<shape[0]`) of a matrix `[rows, columns]`, without copying.
    public func rowScalars(_ row: Int) -> ArraySlice<Float> {
        let width = shape[1]
        return scalars[(row * width)..<((row + 1) * width)]
    }

    /// The rows (slices along axis 0) at `indices`, in that order; indices may repeat.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gatherRows: expected rank ≥ 1, got shape \(shape)")
        let rowLength = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = indices.count
        return Tensor(uninitializedShape: newShape) { out in
            withUnsafeBufferPointer { x in
                for (position, row) in indices.enumerated() {
                    precondition(row >= 0 && row < shape[0], "gatherRows: row \(row) out of range for shape \(shape)")
                    (out.baseAddress! + position * rowLength).update(from: x.baseAddress! + row * rowLength, count: rowLength)
                }
            }
        }
    }

    /// Adds the rows of `self` into the rows `indices` of a zero tensor of `shape` (the
    /// adjoint of ``gatherRows(_:)``; repeated indices accumulate).
    func scatterAddRows(_ indices: [Int], into shape: [Int]) -> Tensor {
        var result = Tensor(zeros: shape)
        let rowLength = shape.dropFirst().reduce(1, *)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                for (position, row) in indices.enumerated() {
                    let target = out.baseAddress! + row * rowLength
                    let source = x.baseAddress! + position * rowLength
                    for j in 0..<rowLength { target[j] += source[j] }
                }
            }
        }
        return result
    }
}
