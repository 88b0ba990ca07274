// Reductions. `sum` and `max` are primitives; `mean`, `logSumExp`, `variance`, `softmax`
// and `logSoftmax` are built from primitives, so their gradients need no rule of their own.

extension Variable {
    /// The sum along `axis`; the gradient is the incoming one repeated along that axis.
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let axis = value.normalizedAxis(axis, operation: "sum")
        let inputShape = shape
        let kept = value.reducedShape(axis, keepingDimensions: true)
        return Variable.record(value.sum(alongAxis: axis, keepingDimensions: keepingDimensions), inputs: [self]) { g, _ in
            [g.reshaped(kept).broadcast(to: inputShape)]
        }
    }

    /// The sum of all elements (rank 0).
    public func sum() -> Variable {
        let inputShape = shape
        return Variable.record(value.sum(), inputs: [self]) { g, _ in
            [Tensor(repeating: g.scalar, shape: inputShape)]
        }
    }

    /// The mean along `axis`.
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let axis = value.normalizedAxis(axis, operation: "mean")
        return sum(alongAxis: axis, keepingDimensions: keepingDimensions) * (1 / Float(shape[axis]))
    }

    /// The mean of all elements (rank 0).
    public func mean() -> Variable {
        sum() * (1 / Float(Swift.max(value.count, 1)))
    }

    /// The maximum along `axis`; the gradient flows to the first position of the maximum.
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let axis = value.normalizedAxis(axis, operation: "max")
        let (values, indices) = value.maxWithIndices(alongAxis: axis, keepingDimensions: keepingDimensions)
        let (outer, extent, inner) = value.split(at: axis)
        let inputShape = shape
        return Variable.record(values, inputs: [self]) { g, _ in
            var result = Tensor(zeros: inputShape)
            for o in 0..<outer {
                for i in 0..<inner {
                    result.scalars[(o * extent + indices[o * inner + i]) * inner + i] = g.scalars[o * inner + i]
                }
            }
            return [result]
        }
    }

    /// `x − max x` along `axis`, the maximum taken without gradient (a constant shift
    /// that leaves softmax and log-sum-exp unchanged but keeps `e^x` finite).
    private func shiftedByMaximum(alongAxis axis: Int) -> (shifted: Variable, shift: Variable) {
        let shift = max(alongAxis: axis, keepingDimensions: true).detached()
        return (self - shift, shift)
    }

    /// `log Σ e^x` along `axis`, computed as `m + log Σ e^{x−m}` with `m = max x`.
    public func logSumExp(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let (shifted, shift) = shiftedByMaximum(alongAxis: axis)
        let total = shifted.exp().sum(alongAxis: axis, keepingDimensions: true).log() + shift
        return keepingDimensions ? total : total.squeezed(axis: value.normalizedAxis(axis, operation: "logSumExp"))
    }

    /// The population variance (divisor `n`) along `axis`.
    public func variance(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let centred = self - mean(alongAxis: axis, keepingDimensions: true)
        return (centred * centred).mean(alongAxis: axis, keepingDimensions: keepingDimensions)
    }

    /// `x − logΣe^x` along `axis`, as `(x − m) − log Σ e^{x−m}`.
    public func logSoftmax(alongAxis axis: Int = -1) -> Variable {
        let (shifted, _) = shiftedByMaximum(alongAxis: axis)
        return shifted - shifted.exp().sum(alongAxis: axis, keepingDimensions: true).log()
    }

    /// `e^x / Σe^x` along `axis`, as `e^{x−m} / Σ e^{x−m}`.
    public func softmax(alongAxis axis: Int = -1) -> Variable {
        let exponentials = shiftedByMaximum(alongAxis: axis).shifted.exp()
        return exponentials / exponentials.sum(alongAxis: axis, keepingDimensions: true)
    }
}

extension Tensor {
    /// This tensor repeated along its extent-1 (and missing leading) axes to `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(
            Tensor.broadcastShape(shape, target, operation: "broadcast") == target,
            "broadcast: shape \(shape) does not broadcast to \(target)")
        let strides = Tensor.broadcastStrides(shape, to: target)
        let rank = target.count
        return Tensor(uninitializedShape: target) { out in
            guard out.count > 0 else { return }
            withUnsafeBufferPointer { x in
                let inner = target[rank - 1]
                let innerStride = strides[rank - 1]
                var index = Array(repeating: 0, count: rank)
                var offset = 0
                var position = 0
                while position < out.count {
                    if innerStride == 0 {
                        (out.baseAddress! + position).update(repeating: x[offset], count: inner)
                    } else {
                        (out.baseAddress! + position).update(from: x.baseAddress! + offset, count: inner)
                    }
                    position += inner
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < target[axis] { break }
                        offset -= strides[axis] * target[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}

extension Variable {
    /// Four inner products of each pair of rows, in one pass: `[‖xₙ‖², ‖yₙ‖², xₙ·yₙ, ‖xₙ − yₙ‖²]`
    /// (`[N, 4]` from two `[N, D]`), the ingredients of norms, cosines and distances between
    /// an input and its reconstruction. The distance is summed directly, not as
    /// `‖x‖² + ‖y‖² − 2x·y`, which cancels catastrophically when `y ≈ x`.
    ///
    /// Backward, with `ḡ = [a, b, c, d]` per row: `x̄ = 2a·x + c·y + 2d·(x − y)`,
    /// `ȳ = 2b·y + c·x − 2d·(x − y)`.
    public static func rowInnerProducts(_ x: Variable, _ y: Variable) -> Variable {
        let (a, b) = (x.value, y.value)
        precondition(a.shape == b.shape && a.shape.count == 2, "rowInnerProducts: shapes \(a.shape) and \(b.shape) must be equal matrices")
        let (rows, width) = (a.shape[0], a.shape[1])
        var products = Tensor(zeros: [rows, 4])
        a.withUnsafeBufferPointer { u in
            b.withUnsafeBufferPointer { v in
                products.withUnsafeMutableBufferPointer { out in
                    for row in 0..<rows {
                        var (uu, vv, uv, dd): (Float, Float, Float, Float) = (0, 0, 0, 0)
                        for j in (row * width)..<((row + 1) * width) {
                            let (p, q) = (u[j], v[j])
                            uu += p * p
                            vv += q * q
                            uv += p * q
                            dd += (p - q) * (p - q)
                        }
                        (out[4 * row], out[4 * row + 1], out[4 * row + 2], out[4 * row + 3]) = (uu, vv, uv, dd)
                    }
                }
            }
        }
        return record(products, inputs: [x, y]) { g, needed in
            var gradientX = Tensor(zeros: [rows, width]), gradientY = Tensor(zeros: [rows, width])
            g.withUnsafeBufferPointer { gp in
                a.withUnsafeBufferPointer { u in
                    b.withUnsafeBufferPointer { v in
                        gradientX.withUnsafeMutableBufferPointer { gx in
                            gradientY.withUnsafeMutableBufferPointer { gy in
                                for row in 0..<rows {
                                    let (ga, gb, gc, gd) = (gp[4 * row], gp[4 * row + 1], gp[4 * row + 2], gp[4 * row + 3])
                                    for j in (row * width)..<((row + 1) * width) {
                                        let (p, q) = (u[j], v[j])
                                        gx[j] = 2 * ga * p + gc * q + 2 * gd * (p - q)
                                        gy[j] = 2 * gb * q + gc * p - 2 * gd * (p - q)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [needed[0] ? gradientX : nil, needed[1] ? gradientY : nil]
        }
    }
}
