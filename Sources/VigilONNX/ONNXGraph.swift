import Foundation
import SwiftProtobuf
import VigilTensor

/// An ONNX graph under construction: nodes in execution order, weights as initializers,
/// every value named after the part of the detector it belongs to (`encoder.0.MatMul`).
///
/// The default domain (`ai.onnx`) is used at one opset between ``ONNXExport/supportedOpsets``
/// (the reductions whose axes moved from an attribute to an input at opset 18 are emitted in
/// the form the opset expects); a tree ensemble adds `ai.onnx.ml` (``domains``).
struct ONNXGraph {
    let opset: Int
    private(set) var nodes: [Onnx_NodeProto] = []
    /// The operator sets other than `ai.onnx` the nodes use.
    private(set) var domains: Set<String> = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var names: Set<String> = []
    private var scopes: [String] = []

    init(opset: Int) { self.opset = opset }

    /// A name not used before, prefixed by the enclosing scopes (`encoder.0.` …).
    mutating func uniqueName(_ base: String) -> String {
        let stem = (scopes + [base]).joined(separator: ".")
        var name = stem
        var suffix = 1
        while names.contains(name) {
            suffix += 1
            name = "\(stem)_\(suffix)"
        }
        names.insert(name)
        return name
    }

    /// Runs `body` with `scope` appended to the names it creates.
    mutating func within<T>(_ scope: String, _ body: (inout ONNXGraph) throws -> T) rethrows -> T {
        scopes.append(scope)
        defer { scopes.removeLast() }
        return try body(&self)
    }

    /// Reserves `name` for a graph input, so no node output takes it.
    mutating func reserve(_ name: String) { names.insert(name) }

    // MARK: Constants

    /// A Float32 initializer of `shape` holding `values` (row-major), as little-endian raw data.
    mutating func constant(_ base: String, _ values: [Float], shape: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(base)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(tensor)
        return tensor.name
    }

    /// A Float32 initializer holding `tensor`'s values and shape.
    mutating func constant(_ base: String, _ tensor: Tensor) -> String { constant(base, tensor.scalars, shape: tensor.shape) }

    /// A Float32 scalar initializer.
    mutating func scalar(_ base: String, _ value: Float) -> String { constant(base, [value], shape: []) }

    /// An Int64 initializer (shapes, axes, counts).
    mutating func integers(_ base: String, _ values: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(base)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values.map(Int64.init)
        initializers.append(tensor)
        return tensor.name
    }

    // MARK: Nodes

    /// Appends a node of `op` (in operator set `domain`, `""` for ai.onnx) and returns its
    /// outputs' names (`outputs` of them, named after the op).
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], attributes: [Onnx_AttributeProto] = [], outputs: Int = 1, domain: String = "") -> [String] {
        var node = Onnx_NodeProto()
        node.opType = op
        node.domain = domain
        if !domain.isEmpty { domains.insert(domain) }
        node.name = uniqueName(op)
        node.input = inputs
        node.output = outputs == 1 ? [node.name] : (0..<outputs).map { uniqueName("\(op).out\($0)") }
        node.attribute = attributes
        nodes.append(node)
        return node.output
    }

    /// Appends a node with one output and returns its name.
    mutating func apply(_ op: String, _ inputs: String..., attributes: [Onnx_AttributeProto] = []) -> String {
        node(op, inputs, attributes: attributes)[0]
    }

    /// Appends `Identity(value)` whose output is the graph output `name`.
    mutating func output(_ name: String, from value: String) {
        var node = Onnx_NodeProto()
        node.opType = "Identity"
        node.name = uniqueName("\(name).Identity")
        node.input = [value]
        node.output = [name]
        names.insert(name)
        nodes.append(node)
    }

    /// A reduction (`ReduceSum`, `ReduceMean`, `ReduceMax`, `ReduceLogSumExp`) over `axes`,
    /// with the axes as an attribute or, where the opset takes them so (ReduceSum from 13,
    /// the others from 18), as an input.
    mutating func reduce(_ op: String, _ input: String, axes: [Int], keepDimensions: Bool) -> String {
        let keep = Self.attribute("keepdims", keepDimensions ? 1 : 0)
        let axesAsInput = op == "ReduceSum" || opset >= 18
        if axesAsInput { return node(op, [input, integers("axes", axes)], attributes: [keep])[0] }
        return node(op, [input], attributes: [keep, Self.attribute("axes", ints: axes)])[0]
    }

    /// `Unsqueeze` of `input` at `axes` (axes as an input, opset 13 on).
    mutating func unsqueeze(_ input: String, axes: [Int]) -> String { apply("Unsqueeze", input, integers("axes", axes)) }

    /// `Reshape` of `input` to `shape` (−1 for the extent to infer).
    mutating func reshape(_ input: String, _ shape: [Int]) -> String { apply("Reshape", input, integers("shape", shape)) }

    // MARK: Attributes

    static func attribute(_ name: String, _ value: Int) -> Onnx_AttributeProto { attribute(name, .int) { $0.i = Int64(value) } }

    static func attribute(_ name: String, _ value: Float) -> Onnx_AttributeProto { attribute(name, .float) { $0.f = value } }

    static func attribute(_ name: String, ints: [Int]) -> Onnx_AttributeProto { attribute(name, .ints) { $0.ints = ints.map(Int64.init) } }

    static func attribute(_ name: String, floats: [Float]) -> Onnx_AttributeProto { attribute(name, .floats) { $0.floats = floats } }

    static func attribute(_ name: String, strings: [String]) -> Onnx_AttributeProto {
        attribute(name, .strings) { $0.strings = strings.map { Data($0.utf8) } }
    }

    static func attribute(_ name: String, string: String) -> Onnx_AttributeProto { attribute(name, .string) { $0.s = Data(string.utf8) } }

    /// An attribute `name` of `type`, its value set by `fill`.
    private static func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType, _ fill: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = type
        fill(&attribute)
        return attribute
    }
}

/// A graph input or output: its name, element type and shape (`nil` for a symbolic extent, named `dimension`).
struct ONNXValue {
    var name: String
    var elementType: Onnx_TensorProto.DataType
    var shape: [Int?]
    var dimension = "N"
    var documentation = ""

    var proto: Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.docString = documentation
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(elementType.rawValue)
        var shapeProto = Onnx_TensorShapeProto()
        shapeProto.dim = shape.map { extent in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let extent { dimension.dimValue = Int64(extent) } else { dimension.dimParam = self.dimension }
            return dimension
        }
        tensorType.shape = shapeProto
        info.type.tensorType = tensorType
        return info
    }
}
