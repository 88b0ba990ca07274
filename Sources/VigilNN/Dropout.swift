import VigilTensor

/// Inverted dropout (PyTorch's and Keras's): in training each element is zeroed with
/// probability `rate` and the survivors scaled by `1 / (1 − rate)`; in inference the input
/// passes unchanged. The mask is drawn from the layer's own seeded generator.
public final class Dropout: Layer {
    public let rate: Float
    /// Whether the layer drops elements; set for a whole model with ``Module/setTraining(_:)``.
    public var isTraining = false
    private var generator: SeededRandom

    public init(rate: Float, seed: UInt64 = 0) {
        precondition((0..<1).contains(rate), "Dropout: rate \(rate) must be in [0, 1)")
        self.rate = rate
        generator = SeededRandom(seed: seed)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        guard isTraining, rate > 0 else { return input }
        let (keep, scale) = (1 - rate, 1 / (1 - rate))
        // A local copy of the generator: drawing through the stored property pays an
        // exclusivity check per element.
        var random = generator
        let mask = Tensor(uninitializedShape: input.shape) { values in
            for index in values.indices { values[index] = random.uniform() < keep ? scale : 0 }
        }
        generator = random
        return input * mask
    }

    public func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int] { shape }
}

extension Module {
    /// Switches every ``Dropout`` inside this module to training or inference mode.
    public func setTraining(_ training: Bool) {
        ModeWalk.set(self, training)
    }
}

enum ModeWalk {
    static func set(_ value: Any, _ training: Bool) {
        if let dropout = value as? Dropout {
            dropout.isTraining = training
            return
        }
        if value is Tensor || value is Variable { return }
        let mirror = Mirror(reflecting: value)
        guard value is Module || mirror.displayStyle == .collection || mirror.displayStyle == .optional else { return }
        var mirrors = [mirror]
        while let parent = mirrors.last!.superclassMirror { mirrors.append(parent) }
        for level in mirrors { for child in level.children { set(child.value, training) } }
    }
}
