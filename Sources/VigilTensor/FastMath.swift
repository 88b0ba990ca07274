/// Vectorised single-precision `exp`, `tanh` and `sigmoid`.
///
/// The polynomials are the Cephes single-precision ones (public-domain constants): `exp`
/// reduces `x = n·ln 2 + r` with `|r| ≤ ½ ln 2` and evaluates a degree-6 polynomial
/// (relative error about 2 ulp); `tanh` uses an odd polynomial for `|x| < 0.625` and
/// `1 − 2/(e^{2|x|} + 1)` beyond. Inputs are clamped to ±88.376 before `exp`, so results
/// never overflow to NaN (`exp` saturates at `Float.greatestFiniteMagnitude`-scale and 0).
/// The arithmetic is plain IEEE `+ − × ÷`, so every platform gives the same bits.
enum FastMath {
    typealias Vector = SIMD8<Float>

    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        let x0 = input.clamped(lowerBound: Vector(repeating: -87.3), upperBound: Vector(repeating: 88.376))
        let n = (x0 * 1.442_695_04 + 0.5).rounded(.down)
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
        let exponent = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: Vector.self)
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

    /// Applies a vector function to `count` elements, eight at a time, with a padded tail.
    @inline(__always)
    static func map(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int,
        _ function: (Vector) -> Vector
    ) {
        let raw = UnsafeRawPointer(input)
        let out = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 8 <= count {
            out.storeBytes(of: function(raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)), toByteOffset: i * 4, as: Vector.self)
            i += 8
        }
        if i < count {
            var tail = Vector()
            for j in 0..<(count - i) { tail[j] = input[i + j] }
            let result = function(tail)
            for j in 0..<(count - i) { output[i + j] = result[j] }
        }
    }
}
