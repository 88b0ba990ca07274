extension Variable {
    /// One LSTM cell update, fused: from the gate pre-activations `z = [z_i, z_f, z_g, z_o]`
    /// (`[N, 4u]`, Keras's gate order) and the previous cell state `c` (`[N, u]`),
    ///
    ///     i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
    ///     c′ = f ⊙ c + i ⊙ g,   h′ = o ⊙ tanh(c′)
    ///
    /// returned side by side as `[h′, c′]` (`[N, 2u]`). One pass forward and one backward
    /// instead of a dozen element-wise ops per time step. Backward, with `t = tanh c′` and
    /// `ḡ_c = ḡ_c′ + ḡ_h′ ⊙ o ⊙ (1 − t²)`:
    /// `z̄_o = ḡ_h′ ⊙ t ⊙ o(1 − o)`, `z̄_i = ḡ_c ⊙ g ⊙ i(1 − i)`, `z̄_f = ḡ_c ⊙ c ⊙ f(1 − f)`,
    /// `z̄_g = ḡ_c ⊙ i ⊙ (1 − g²)`, `c̄ = ḡ_c ⊙ f`.
    public static func lstmCell(gates z: Variable, cell c: Variable) -> Variable {
        precondition(c.shape.count == 2, "lstmCell: the cell state must be [N, units], got shape \(c.shape)")
        let (rows, units) = (c.shape[0], c.shape[1])
        precondition(
            z.shape == [rows, 4 * units],
            "lstmCell: gates of shape \(z.shape) and cell of shape \(c.shape) do not fit (gates must be [N, 4·units])")
        // The activated gates, kept for the backward pass.
        var activated = z.value.sigmoid()
        let tanhG = z.value.slice(alongAxis: 1, (2 * units)..<(3 * units)).tanh()
        let previous = c.value
        var cells = Tensor(zeros: [rows, units])
        activated.withUnsafeMutableBufferPointer { a in
            tanhG.withUnsafeBufferPointer { g in
                previous.withUnsafeBufferPointer { cp in
                    cells.withUnsafeMutableBufferPointer { cn in
                        for r in 0..<rows {
                            let gate = r * 4 * units, state = r * units
                            for j in 0..<units {
                                a[gate + 2 * units + j] = g[state + j]
                                cn[state + j] = a[gate + units + j] * cp[state + j] + a[gate + j] * g[state + j]
                            }
                        }
                    }
                }
            }
        }
        let tanhC = cells.tanh()
        var output = Tensor(zeros: [rows, 2 * units])
        activated.withUnsafeBufferPointer { a in
            cells.withUnsafeBufferPointer { cn in
                tanhC.withUnsafeBufferPointer { tc in
                    output.withUnsafeMutableBufferPointer { out in
                        for r in 0..<rows {
                            let gate = r * 4 * units, state = r * units, pair = r * 2 * units
                            for j in 0..<units {
                                out[pair + j] = a[gate + 3 * units + j] * tc[state + j]
                                out[pair + units + j] = cn[state + j]
                            }
                        }
                    }
                }
            }
        }
        let gates = activated, cellTanh = tanhC
        return record(output, inputs: [z, c]) { gradient, needed in
            var gateGradient = Tensor(zeros: [rows, 4 * units])
            var cellGradient = Tensor(zeros: [rows, units])
            gradient.withUnsafeBufferPointer { gout in
                gates.withUnsafeBufferPointer { a in
                    cellTanh.withUnsafeBufferPointer { tc in
                        previous.withUnsafeBufferPointer { cp in
                            gateGradient.withUnsafeMutableBufferPointer { dz in
                                cellGradient.withUnsafeMutableBufferPointer { dc in
                                    for r in 0..<rows {
                                        let gate = r * 4 * units, state = r * units, pair = r * 2 * units
                                        for j in 0..<units {
                                            let (i, f, g, o) = (a[gate + j], a[gate + units + j], a[gate + 2 * units + j], a[gate + 3 * units + j])
                                            let t = tc[state + j]
                                            let gh = gout[pair + j]
                                            let gc = gout[pair + units + j] + gh * o * (1 - t * t)
                                            dz[gate + j] = gc * g * i * (1 - i)
                                            dz[gate + units + j] = gc * cp[state + j] * f * (1 - f)
                                            dz[gate + 2 * units + j] = gc * i * (1 - g * g)
                                            dz[gate + 3 * units + j] = gh * t * o * (1 - o)
                                            dc[state + j] = gc * f
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [needed[0] ? gateGradient : nil, needed[1] ? cellGradient : nil]
        }
    }
}
