// Ops that only move elements; each backward rule moves the gradient back.

extension Variable {
    /// The same elements with another shape (`-1` infers one extent).
    public func reshaped(_ newShape: [Int]) -> Variable {
        let inputShape = shape
        return Variable.record(value.reshaped(newShape), inputs: [self]) { g, _ in [g.reshaped(inputShape)] }
    }

    /// Removes an axis of extent 1.
    public func squeezed(axis: Int) -> Variable {
        precondition(shape[axis] == 1, "squeezed: axis \(axis) of shape \(shape) is not of extent 1")
        var newShape = shape
        newShape.remove(at: axis)
        return reshaped(newShape)
    }

    /// Axes reordered: axis `i` of the result is axis `permutation[i]` of this value.
    public func permuted(_ permutation: [Int]) -> Variable {
        var inverse = Array(repeating: 0, count: permutation.count)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return Variable.record(value.permuted(permutation), inputs: [self]) { g, _ in [g.permuted(inverse)] }
    }

    /// The transpose of a matrix.
    public var transposed: Variable { permuted([1, 0]) }

    /// Joins values along `axis`.
    public static func concatenate(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        let result = Tensor.concatenate(parts.map(\.value), alongAxis: axis)
        let axis = result.normalizedAxis(axis, operation: "concatenate")
        let extents = parts.map { $0.shape[axis] }
        return record(result, inputs: parts) { g, needed in
            var start = 0
            return extents.enumerated().map { index, extent in
                defer { start += extent }
                return needed[index] ? g.slice(alongAxis: axis, start..<(start + extent)) : nil
            }
        }
    }

    /// The elements with index in `range` along `axis`.
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Variable {
        let axis = value.normalizedAxis(axis, operation: "slice")
        let inputShape = shape
        return Variable.record(value.slice(alongAxis: axis, range), inputs: [self]) { g, _ in
            [g.padded(into: inputShape, alongAxis: axis, at: range)]
        }
    }

    /// The rows at `indices` (repeats allowed); their gradients add up.
    public func gatherRows(_ indices: [Int]) -> Variable {
        let inputShape = shape
        return Variable.record(value.gatherRows(indices), inputs: [self]) { g, _ in
            [g.scatterAddRows(indices, into: inputShape)]
        }
    }

    /// The diagonal of a square matrix, as a vector.
    public func diagonal() -> Variable {
        precondition(value.rank == 2 && shape[0] == shape[1], "diagonal: expected a square matrix, got shape \(shape)")
        let n = shape[0]
        let result = Tensor(shape: [n], scalars: (0..<n).map { value.scalars[$0 * n + $0] })
        return Variable.record(result, inputs: [self]) { g, _ in
            var full = Tensor(zeros: [n, n])
            for i in 0..<n { full.scalars[i * n + i] = g.scalars[i] }
            return [full]
        }
    }

    /// The same value cut off from the graph: no gradient flows through it.
    public func detached() -> Variable { Variable(value) }
}
