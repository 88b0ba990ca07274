/// A seeded pseudo-random number generator that gives the same numbers on every platform.
///
/// The generator is xoshiro256** (Blackman & Vigna), its state filled from the seed by
/// SplitMix64. Floats take the top 24 bits of a draw; normals use the Marsaglia polar
/// method with a logarithm computed by ``portableLog(_:)`` in plain IEEE arithmetic, so no
/// platform math library is involved and the bits agree everywhere.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Float?

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            return Self.mix(mixer)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// SplitMix64's finaliser: a bijective mix of 64 bits in which every input bit reaches
    /// every output bit (for keys built from data, such as a row's values).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform float in `[0, 1)` with 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform float in `[lower, upper)`.
    public mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * uniform()
    }

    /// A uniform double in `(0, 1)` with 53 random bits.
    private mutating func openUniformDouble() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// A standard normal draw, N(0, 1).
    public mutating func normal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * openUniformDouble() - 1
            let v = 2 * openUniformDouble() - 1
            let s = u * u + v * v
            if s >= 1 || s == 0 { continue }
            let factor = (-2 * SeededRandom.portableLog(s) / s).squareRoot()
            spareNormal = Float(v * factor)
            return Float(u * factor)
        }
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * normal()
    }

    /// A uniform integer in `0..<upperBound` without modulo bias (Lemire's method).
    public mutating func integer(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "SeededRandom.integer(below:): upper bound \(upperBound) must be positive")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// A uniformly random ordering of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var values = Array(0..<count)
        shuffle(&values)
        return values
    }

    /// Shuffles `values` in place (Fisher–Yates), the same way on every platform.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, integer(below: i + 1))
        }
    }

    /// `count` distinct indices from `0..<population`, in random order.
    ///
    /// - Precondition: `0 ≤ count ≤ population`.
    public mutating func sampleWithoutReplacement(_ count: Int, from population: Int) -> [Int] {
        precondition(
            count >= 0 && count <= population,
            "sampleWithoutReplacement: cannot draw \(count) distinct items from \(population)")
        var chosen = [Int: Int]()
        var result = [Int]()
        result.reserveCapacity(count)
        // A partial Fisher–Yates shuffle over a virtual array, O(count) memory.
        for i in 0..<count {
            let j = i + integer(below: population - i)
            let valueAtJ = chosen[j] ?? j
            let valueAtI = chosen[i] ?? i
            result.append(valueAtJ)
            chosen[j] = valueAtI
        }
        return result
    }

    /// `count` indices from `0..<population` drawn independently (with replacement).
    public mutating func sampleWithReplacement(_ count: Int, from population: Int) -> [Int] {
        (0..<count).map { _ in integer(below: population) }
    }

    /// A tensor of uniform draws in `[lower, upper)`.
    public mutating func uniformTensor(_ shape: [Int], _ lower: Float = 0, _ upper: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in uniform(lower, upper) })
    }

    /// A tensor of normal draws.
    public mutating func normalTensor(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in normal(mean: mean, standardDeviation: standardDeviation) })
    }

    /// The natural logarithm of a positive finite double, in plain IEEE arithmetic.
    ///
    /// `x = m·2^e` with `m ∈ [√½, √2)`; `log m = 2·atanh(s)`, `s = (m−1)/(m+1)`, summed as
    /// the series `2(s + s³/3 + …)` to 1e-16. Accurate to a few ulp of `Double`.
    public static func portableLog(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "portableLog: expected a positive finite number, got \(x)")
        var exponent = Double(x.exponent)
        var mantissa = x.significand  // in [1, 2)
        if mantissa > 1.414_213_562_373_095_1 {
            mantissa /= 2
            exponent += 1
        }
        let s = (mantissa - 1) / (mantissa + 1)
        let s2 = s * s
        var term = s
        var sum = 0.0
        var denominator = 1.0
        while true {
            let addend = term / denominator
            sum += addend
            if Swift.abs(addend) < 1e-18 { break }
            term *= s2
            denominator += 2
        }
        return 2 * sum + exponent * 0.693_147_180_559_945_3
    }
}
