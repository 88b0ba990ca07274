extension Tensor {
    /// One Adam update of these parameters, in place, from `gradient` and the moment
    /// estimates `m` and `v` (all of this tensor's shape):
    ///
    ///     m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   θ ← θ − α·m / (√v + ε)
    ///
    /// with `α` the bias-corrected step size. Element-wise, split over threads for large
    /// tensors (the CIFAR-10 VAE's latent heads hold 8.4 M weights each); the split cannot
    /// change a value.
    public mutating func adamUpdate(gradient: Tensor, m: inout Tensor, v: inout Tensor, alpha: Float, beta1: Float, beta2: Float, epsilon: Float) {
        precondition(gradient.shape == shape && m.shape == shape && v.shape == shape, "adamUpdate: shapes \(shape), \(gradient.shape), \(m.shape), \(v.shape) differ")
        gradient.withUnsafeBufferPointer { g in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    withUnsafeMutableBufferPointer { p in
                        let pointers = UncheckedSendable((g.baseAddress!, m.baseAddress!, v.baseAddress!, p.baseAddress!))
                        parallelChunks(p.count, minimumPerThread: 1 << 16) { range in
                            let (g, m, v, p) = pointers.value
                            typealias Lanes = SIMD16<Float>
                            func load(_ pointer: UnsafeMutablePointer<Float>, _ i: Int) -> Lanes {
                                UnsafeRawPointer(pointer + i).loadUnaligned(as: Lanes.self)
                            }
                            func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>, _ i: Int) {
                                UnsafeMutableRawPointer(pointer + i).storeBytes(of: value, as: Lanes.self)
                            }
                            var i = range.lowerBound
                            // 16 lanes at a time: the same operations in the same order as the
                            // scalar tail, so a value does not depend on where the range starts.
                            while i + Lanes.scalarCount <= range.upperBound {
                                let gradient = load(UnsafeMutablePointer(mutating: g), i)
                                let first = beta1 * load(m, i) + (1 - beta1) * gradient
                                let second = beta2 * load(v, i) + (1 - beta2) * gradient * gradient
                                store(first, m, i)
                                store(second, v, i)
                                store(load(p, i) - alpha * first / (second.squareRoot() + epsilon), p, i)
                                i += Lanes.scalarCount
                            }
                            for i in i..<range.upperBound {
                                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                                p[i] -= alpha * m[i] / (v[i].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}
