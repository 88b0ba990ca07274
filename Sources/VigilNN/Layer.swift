import VigilTensor

/// Anything that owns trainable parameters, directly or through sub-modules.
///
/// Parameters are discovered, not listed: ``namedParameters()`` walks the stored
/// properties with `Mirror` and collects every ``Variable`` that requires a gradient, and
/// every parameter of nested modules (also inside arrays and optionals). Optimisers,
/// gradient zeroing, parameter counts and the save format all use this one walk.
/// State that is not trained is stored as a plain `Tensor` and is not collected.
public protocol Module: AnyObject {}

extension Module {
    /// Every trainable parameter with a dotted path naming where it is stored
    /// (`layers.0.kernel`), in declaration order; shared parameters appear once.
    public func namedParameters() -> [(name: String, parameter: Variable)] {
        var found: [(String, Variable)] = []
        var seen = Set<ObjectIdentifier>()
        ParameterWalk.collect(self, path: "", into: &found, seen: &seen)
        return found
    }

    /// Every trainable parameter, in the order of ``namedParameters()``.
    public var parameters: [Variable] { namedParameters().map(\.parameter) }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

extension Module {
    /// The layers this module is made of, found the way parameters are: its stored
    /// properties that are layers, by property name, in declaration order; a stored module
    /// that is not itself a layer (a sub-network) contributes its own layers under their
    /// names. What a saved model records as its architecture, so the names are written once —
    /// where the properties are declared.
    public func namedLayers() -> [(name: String, layer: any Layer)] {
        var found: [(String, any Layer)] = []
        var mirrors = [Mirror(reflecting: self)]
        while let parent = mirrors.last!.superclassMirror { mirrors.append(parent) }
        for level in mirrors.reversed() {
            for child in level.children {
                if let layer = child.value as? any Layer, let label = child.label {
                    found.append((label, layer))
                } else if let module = child.value as? any Module {
                    found += module.namedLayers()
                }
            }
        }
        return found
    }
}

enum ParameterWalk {
    static func collect(_ value: Any, path: String, into found: inout [(String, Variable)], seen: inout Set<ObjectIdentifier>) {
        if let variable = value as? Variable {
            if variable.requiresGradient, seen.insert(ObjectIdentifier(variable)).inserted {
                found.append((path, variable))
            }
            return
        }
        if value is Tensor { return }
        let mirror = Mirror(reflecting: value)
        let isContainer = value is Module || mirror.displayStyle == .collection || mirror.displayStyle == .optional
        guard isContainer else { return }
        // A class's own stored properties come after those it inherits.
        var mirrors = [mirror]
        while let parent = mirrors.last!.superclassMirror { mirrors.append(parent) }
        for level in mirrors.reversed() {
            for (index, child) in level.children.enumerated() {
                let label = level.displayStyle == .optional ? "" : (child.label ?? String(index))
                let childPath = label.isEmpty ? path : (path.isEmpty ? label : "\(path).\(label)")
                collect(child.value, path: childPath, into: &found, seen: &seen)
            }
        }
    }
}

/// A module that maps one input to one output, called like a function.
public protocol Layer: Module {
    /// Applies the layer to a batch.
    func callAsFunction(_ input: Variable) -> Variable

    /// The output shape for an input shape, or a ``ModelError/shapeMismatch(component:expected:actual:)``
    /// naming the expected and the actual shape. Models call this before running, so bad
    /// input is reported as an error instead of stopping the process.
    func outputShape(forInputShape shape: [Int]) throws(ModelError) -> [Int]
}
