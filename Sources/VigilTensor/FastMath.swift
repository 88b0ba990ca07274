/// Vectorised single-precision `exp`, `tanh` and `sigmoid`.
///
/// The polynomials are the Cephes single-precision ones (public-domain constants): `exp`
/// reduces `x = n·ln 2 + r` with `|r| ≤ ½ ln 2` and evaluates a degree-6 polynomial
/// (relative error about 2 ulp; `n` rounded to nearest); `tanh` uses an odd polynomial for `|x| < 0.625` and
/// `1 − 2/(e^{2|x|} + 1)` beyond. Inputs are clamped to ±88.376 before `exp`, so results
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

    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let magnitude = abs(x)
        let s = x * x
        var small: Vector = Vector(repeating: -5.704_988_727_45e-3)
        small = small * s + 2.063_908_879_54e-2
        small = small * s - 5.373_971_555_31e-2
        small = small * s + 1.333_144_220_36e-1
        small = small * s - 3.333_328_194_22e-1
        small = small * s * x + x
        let e = exp(magnitude * 2)
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        return small.replacing(with: large, where: magnitude .>= 0.625)
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    @inline(__always)
    static func abs(_ x: Vector) -> Vector {
        x.replacing(with: -x, where: x .< 0)
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
