import VigilTensor

/// Gives every row of a batch a new shape (Keras `Reshape`, and `Flatten` when the target
/// has one extent): `[N, d₁, …]` → `[N] + targetShape`, the values in the same row-major order.
///
/// Image detectors see each image as one row of `height · width · channels` values, so a
/// convolutional encoder starts with `Reshape([h, w, c])` and a decoder ends with
/// `Reshape([h · w · c])`; the tabular machinery (batches, feature scores, saving) stays as it is.
public final class Reshape: Layer {
    /// The shape of one row after the layer (without the batch axis).
    public let targetShape: [Int]

    /// A layer giving each row `targetShape`; every extent must be positive.
    public init(_ targetShape: [Int]) {
        precondition(!targetShape.isEmpty && targetShape.allSatisfy { $0 > 0 }, "Reshape: target shape \(targetShape) must have positive extents")
        self.targetShape = targetShape
    }

    /// The number of values in one row.
    public var rowSize: Int { targetShape.reduce(1, *) }

    public func callAsFunction(_ input: Variable) -> Variable { input.reshaped([input.shape[0]] + targetShape) }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] {
        let size = shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        guard shape.count >= 2, shape.dropFirst().allSatisfy({ $0 > 0 }), size == rowSize else {
            throw .shapeMismatch(component: "Reshape(\(targetShape))", expected: [-1] + [rowSize], actual: shape)
        }
        return [shape[0]] + targetShape
    }
}
