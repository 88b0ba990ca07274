import VigilTensor

/// The outcome of comparing back-propagated gradients with central finite differences.
public struct GradientCheckReport: CustomStringConvertible {
    /// The largest `|analytic − numeric| / max(1, |analytic|, |numeric|)` over all elements.
    public let maxError: Float
    /// Where the largest error occurred: input index, element index and both values.
    public let worst: String

    public var description: String { "max error \(maxError) at \(worst)" }
}

/// Checks the gradient of `function` with respect to every element of every input.
///
/// A non-scalar result is reduced to a scalar `Σ resultᵢ·wᵢ` with fixed random weights `w`,
/// so every output element's gradient is exercised. Each input element is moved by
/// `±step` and the central difference `(f(x+h) − f(x−h)) / 2h` compared with the gradient
/// from ``Variable/backward(seed:)``.
public func checkGradients(
    _ inputs: [Tensor], step: Float = 1e-2, seed: UInt64 = 7,
    _ function: ([Variable]) throws -> Variable
) rethrows -> GradientCheckReport {
    var random = SeededRandom(seed: seed)
    var weights: Tensor?
    func objective(_ values: [Tensor], record: Bool) throws -> (Float, [Variable]) {
        let variables = values.map { Variable($0, requiresGradient: record) }
        let output = try function(variables)
        if weights == nil { weights = random.uniformTensor(output.shape, -1, 1) }
        let scalar = (output * weights!).sum()
        if record { scalar.backward() }
        return (scalar.value.scalar, variables)
    }
    let (_, variables) = try objective(inputs, record: true)
    var maxError: Float = 0
    var worst = "none"
    for (inputIndex, input) in inputs.enumerated() {
        let analytic = variables[inputIndex].gradient ?? Tensor(zeros: input.shape)
        for element in 0..<input.count {
            var plus = inputs
            plus[inputIndex] = perturbed(input, element, step)
            var minus = inputs
            minus[inputIndex] = perturbed(input, element, -step)
            let numeric = (try objective(plus, record: false).0 - objective(minus, record: false).0) / (2 * step)
            let value = analytic.scalars[element]
            let error = abs(value - numeric) / max(1, abs(value), abs(numeric))
            if error > maxError || error.isNaN {
                maxError = error.isNaN ? .infinity : error
                worst = "input \(inputIndex) element \(element): analytic \(value), numeric \(numeric)"
            }
        }
    }
    return GradientCheckReport(maxError: maxError, worst: worst)
}

private func perturbed(_ tensor: Tensor, _ element: Int, _ delta: Float) -> Tensor {
    var scalars = tensor.scalars
    scalars[element] += delta
    return Tensor(shape: tensor.shape, scalars: scalars)
}

/// The largest `|a − b| / max(1, |b|)` over two tensors of the same shape; infinity when
/// the shapes differ or either holds a NaN where the other does not.
public func maxRelativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a.scalars, b.scalars) {
        if x.isNaN != y.isNaN { return .infinity }
        if x.isNaN { continue }
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}

/// Checks the gradients of `objective` (a single-element value) with respect to the
/// given parameters by central finite differences on each of their elements.
public func checkParameterGradients(
    _ parameters: [Variable], step: Float = 1e-2, _ objective: () -> Variable
) -> GradientCheckReport {
    for parameter in parameters { parameter.zeroGradient() }
    objective().backward()
    let analytic = parameters.map { $0.gradient ?? Tensor(zeros: $0.shape) }
    var maxError: Float = 0
    var worst = "none"
    for (index, parameter) in parameters.enumerated() {
        let original = parameter.value
        for element in 0..<original.count {
            parameter.value = perturbed(original, element, step)
            let plus = GradientTape.withoutRecording { objective().value.scalar }
            parameter.value = perturbed(original, element, -step)
            let minus = GradientTape.withoutRecording { objective().value.scalar }
            parameter.value = original
            let numeric = (plus - minus) / (2 * step)
            let value = analytic[index].scalars[element]
            let error = abs(value - numeric) / max(1, abs(value), abs(numeric))
            if error > maxError || error.isNaN {
                maxError = error.isNaN ? .infinity : error
                worst = "parameter \(index) element \(element): analytic \(value), numeric \(numeric)"
            }
        }
    }
    return GradientCheckReport(maxError: maxError, worst: worst)
}
