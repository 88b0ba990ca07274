// Reductions along one axis, and the "un-broadcast" that folds a gradient back to the
// shape of an operand that was broadcast.

extension Tensor {
    /// Splits the shape around `axis` into (product before, extent, product after).
    func split(at axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Normalises a possibly negative axis; the message names the operation and shape.
    public func normalizedAxis(_ axis: Int, operation: String) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "\(operation): axis \(axis) out of range for shape \(shape)")
        return resolved
    }

    /// The shape after reducing `axis`: extent 1 with `keepingDimensions`, removed otherwise.
    func reducedShape(_ axis: Int, keepingDimensions: Bool) -> [Int] {
        var result = shape
        if keepingDimensions { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }

    /// The sum along one axis.
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis, operation: "sum")
        let (outer, extent, inner) = split(at: axis)
        return Tensor(uninitializedShape: reducedShape(axis, keepingDimensions: keepingDimensions)) { out in
            out.update(repeating: 0)
            withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    let target = out.baseAddress! + o * inner
                    if inner == 1 {
                        // Eight running sums, so the loop vectorises.
                        let row = x.baseAddress! + o * extent
                        var partial = SIMD8<Float>()
                        var e = 0
                        while e + 8 <= extent {
                            partial += UnsafeRawPointer(row + e).loadUnaligned(as: SIMD8<Float>.self)
                            e += 8
                        }
                        var total = partial.sum()
                        while e < extent {
                            total += row[e]
                            e += 1
                        }
                        target[0] = total
                    } else {
                        for e in 0..<extent {
                            let row = x.baseAddress! + (o * extent + e) * inner
                            for i in 0..<inner { target[i] += row[i] }
                        }
                    }
                }
            }
        }
    }

    /// The sum of all elements, as a rank-0 tensor.
    public func sum() -> Tensor {
        var total: Double = 0
        withUnsafeBufferPointer { x in
            var partial: Float = 0
            for (i, value) in x.enumerated() {
                partial += value
                if i & 4095 == 4095 {
                    total += Double(partial)
                    partial = 0
                }
            }
            total += Double(partial)
        }
        return Tensor(Float(total))
    }

    /// The maximum along one axis and the index (along that axis) where it is first reached.
    public func maxWithIndices(alongAxis axis: Int, keepingDimensions: Bool = false) -> (values: Tensor, indices: [Int]) {
        let axis = normalizedAxis(axis, operation: "max")
        precondition(shape[axis] > 0, "max: empty axis \(axis) in shape \(shape)")
        let (outer, extent, inner) = split(at: axis)
        var indices = Array(repeating: 0, count: outer * inner)
        let values = Tensor(uninitializedShape: reducedShape(axis, keepingDimensions: keepingDimensions)) { out in
            withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = x[o * extent * inner + i]
                        var bestIndex = 0
                        for e in 1..<extent {
                            let value = x[(o * extent + e) * inner + i]
                            if value > best || (best.isNaN == false && value.isNaN) {
                                best = value
                                bestIndex = e
                            }
                        }
                        out[o * inner + i] = best
                        indices[o * inner + i] = bestIndex
                    }
                }
            }
        }
        return (values, indices)
    }

    /// Sums this tensor down to `target`, the shape of an operand broadcast to this one.
    ///
    /// This is the adjoint of broadcasting: leading axes that `target` lacks are summed
    /// away, and axes where `target` has extent 1 are summed with the dimension kept.
    public func unbroadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        var result = self
        while result.rank > target.count { result = result.sum(alongAxis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(alongAxis: axis, keepingDimensions: true)
        }
        precondition(result.shape == target, "unbroadcast: shape \(shape) does not reduce to \(target)")
        return result
    }
}
