/// Vectorised single-precision `exp`, `tanh` and `sigmoid`.
///
/// `exp` uses the Cephes single-precision polynomial (public-domain constants): it
/// reduces `x = n·ln 2 + r` with `|r| ≤ ½ ln 2` and evaluates a degree-6 polynomial
/// (relative error about 2 ulp; `n` rounded to nearest). `tanh` is a rational fit of
/// Vigil's own (see ``tanh(_:)``). Inputs are clamped to ±88.376 before `exp`, so results
/// never overflow to NaN (`exp` saturates at `Float.greatestFiniteMagnitude`-scale and 0).
/// The arithmetic is plain IEEE `+ − × ÷`, so every platform gives the same bits.
enum FastMath {
    typealias Vector = SIMD4<Float>
    typealias IntegerVector = SIMD4<Int32>

    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        // Adding 1.5·2²³ to a float of magnitude below 2²² rounds it to an integer held in
        // the low mantissa bits, so rounding and the float → int conversion need no (slow,
        // scalarised) generic SIMD conversion.
        let roundingMagic = Vector(repeating: 0x1.8p23)
        let x0 = clamp(input, -87.3, 88.376)
        // n = round(x / ln 2), r = x − n·ln 2 (ln 2 split in two for precision).
        let shifted = x0 * 1.442_695_04 + roundingMagic
        let n = shifted - roundingMagic
        var x = x0 - n * 0.693_359_375
        x = x - n * -2.121_944_4e-4
        let z = x * x
        var y: Vector = Vector(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_950_7e-3
        y = y * x + 8.333_451_907_3e-3
        y = y * x + 4.166_579_589_4e-2
        y = y * x + 1.666_666_545_9e-1
        y = y * x + 5.000_000_120_1e-1
        y = y * z + x + 1
        let integer = unsafeBitCast(shifted, to: IntegerVector.self) &- unsafeBitCast(roundingMagic, to: IntegerVector.self)
        let scale = (integer &+ 127) &<< 23
        return y * unsafeBitCast(scale, to: Vector.self)
    }

    @inline(__always)
    static func clamp(_ x: Vector, _ lower: Float, _ upper: Float) -> Vector {
        var result = x.replacing(with: lower, where: x .< lower)
        result.replace(with: upper, where: result .> upper)
        return result
    }

    /// `tanh x ≈ x·P(x²)/Q(x²)` on `|x| ≤ 9.0109` (beyond which `tanh` rounds to ±1 in
    /// single precision), a rational minimax fit made for Vigil by `scripts/fit_tanh.py`:
    /// `Q` has no positive root, and the float evaluation has a relative error below 3.4e-7
    /// (about 3 ulp) on `[−10, 10]`. The result is clamped to `[−1, 1]`, so it saturates
    /// at exactly ±1.
    @inline(__always)
    static func tanh(_ input: Vector) -> Vector {
        let x = clamp(input, -9.010_913, 9.010_913)
        let t = x * x
        var p = Vector(repeating: -8.458_845_738_657_308e-14)
        p = p * t + 5.266_476_144_072_385e-11
        p = p * t - 2.020_168_743_399_608_5e-08
        p = p * t + 1.114_855_967_898_620_3e-05
        p = p * t + 0.003_103_409_428_149_461_7
        p = p * t + 0.130_835_220_217_704_77
        p = p * t + 1
        var q = Vector(repeating: 0.000_254_534_737_905_487_4)
        q = q * t + 0.024_493_003_264_069_557
        q = q * t + 0.464_168_488_979_339_6
        q = q * t + 1
        return clamp(x * p / q, -1, 1)
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// Applies `Function` to `count` elements, four vectors per iteration so that their
    /// (latency-bound) polynomial chains overlap, with a padded tail.
    @inline(__always)
    static func map<Function: VectorFunction>(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int, _: Function.Type
    ) {
        let raw = UnsafeRawPointer(input)
        let out = UnsafeMutableRawPointer(output)
        let width = Vector.scalarCount
        let stride = width * MemoryLayout<Float>.stride
        var i = 0
        while i + 4 * width <= count {
            let offset = i * MemoryLayout<Float>.stride
            let a = Function.apply(raw.loadUnaligned(fromByteOffset: offset, as: Vector.self))
            let b = Function.apply(raw.loadUnaligned(fromByteOffset: offset + stride, as: Vector.self))
            let c = Function.apply(raw.loadUnaligned(fromByteOffset: offset + 2 * stride, as: Vector.self))
            let d = Function.apply(raw.loadUnaligned(fromByteOffset: offset + 3 * stride, as: Vector.self))
            out.storeBytes(of: a, toByteOffset: offset, as: Vector.self)
            out.storeBytes(of: b, toByteOffset: offset + stride, as: Vector.self)
            out.storeBytes(of: c, toByteOffset: offset + 2 * stride, as: Vector.self)
            out.storeBytes(of: d, toByteOffset: offset + 3 * stride, as: Vector.self)
            i += 4 * width
        }
        while i < count {
            var tail = Vector()
            let n = Swift.min(width, count - i)
            for j in 0..<n { tail[j] = input[i + j] }
            let result = Function.apply(tail)
            for j in 0..<n { output[i + j] = result[j] }
            i += n
        }
    }
}

/// A function applied to a vector of floats, as a type so that generic kernels inline it.
protocol VectorFunction {
    static func apply(_ x: FastMath.Vector) -> FastMath.Vector
}

enum ExponentialFunction: VectorFunction {
    @inline(__always) static func apply(_ x: FastMath.Vector) -> FastMath.Vector { FastMath.exp(x) }
}

enum HyperbolicTangentFunction: VectorFunction {
    @inline(__always) static func apply(_ x: FastMath.Vector) -> FastMath.Vector { FastMath.tanh(x) }
}

enum SigmoidFunction: VectorFunction {
    @inline(__always) static func apply(_ x: FastMath.Vector) -> FastMath.Vector { FastMath.sigmoid(x) }
}
