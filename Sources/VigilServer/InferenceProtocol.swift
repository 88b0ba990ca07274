import VigilDetect
import VigilTensor

/// The V2 inference protocol (KServe's "Open Inference Protocol", also spoken by MLServer
/// and Triton) where it fits a detector: one input tensor `[N, D]` (or `[N, h, w, c]` for a
/// detector of images), outputs `instance_score` `[N]` FP32, `is_outlier` `[N]` BOOL and,
/// when asked for and the detector has them, `feature_score` `[N, D]` FP32.
enum InferenceProtocol {
    static let outputNames = ["instance_score", "is_outlier", "feature_score"]
    static let numericTypes: Set<String> = ["FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"]

    /// An inference request: `{"id", "parameters", "inputs": [{"name", "shape", "datatype",
    /// "parameters", "data"}], "outputs": [{"name"}]}`. `data` is flat, or nested as the shape
    /// says (read in row-major order, holding the shape's number of values); the input's name
    /// is not checked (a detector has one input).
    struct Request {
        var id: String?
        var rows: Tensor
        /// The outputs asked for, in order (the two instance outputs when none are named).
        var outputs: [String]
    }

    /// Reads and checks a request for `model`: exactly one input, a numeric datatype, a shape
    /// whose product is the number of values and whose trailing extents hold the model's
    /// features, finite values, known outputs.
    static func request(_ body: [UInt8], model: ServedModel, maximumRows: Int) throws -> Request {
        let width = model.detector.featureCount
        var scanner = JSONScanner(body)
        var id: String?
        var inputs: [(shape: [Int]?, datatype: String?, values: [Float]?, nesting: [Int])] = []
        var outputs: [String]?
        try scanner.begin(0x7B)
        var keys = 0
        while let key = try scanner.nextKey(&keys) {
            switch key {
            case "id": id = try scanner.string()
            case "inputs":
                guard inputs.isEmpty else { throw ServiceError(.badRequest, "the request names \"inputs\" twice", expected: "one \"inputs\" key", got: "two") }
                try scanner.begin(0x5B)
                var index = 0
                while try scanner.nextElement(&index) {
                    guard index == 1 else { throw ServiceError(.badRequest, "the request has several inputs, expected one", expected: "1 input", got: "more") }
                    inputs.append(try input(&scanner, width: width, maximumRows: maximumRows))
                }
            case "outputs":
                var names: [String] = []
                try scanner.begin(0x5B)
                var index = 0
                while try scanner.nextElement(&index) {
                    try scanner.begin(0x7B)
                    var fields = 0
                    var name: String?
                    while let field = try scanner.nextKey(&fields) {
                        if field == "name" { name = try scanner.string() } else { try scanner.skipValue() }
                    }
                    guard let name else { throw ServiceError(.badRequest, "output \(index - 1) has no name", expected: "{\"name\": …}", got: "no name") }
                    names.append(name)
                }
                outputs = names
            default: try scanner.skipValue()
            }
        }
        try scanner.end()
        guard let input = inputs.first else { throw ServiceError(.badRequest, "the request has no inputs", expected: "1 input", got: "none") }
        guard let datatype = input.datatype else { throw ServiceError(.badRequest, "the input has no datatype", expected: "\"datatype\": \"FP32\"", got: "none") }
        guard numericTypes.contains(datatype) else {
            throw ServiceError(.badRequest, "the input's datatype is \(datatype), expected a numeric one", expected: "FP32 (or another numeric datatype)", got: datatype)
        }
        guard let shape = input.shape else { throw ServiceError(.badRequest, "the input has no shape", expected: "\"shape\": [N, \(width)]", got: "none") }
        guard let values = input.values else { throw ServiceError(.badRequest, "the input has no data", expected: "\"data\": […]", got: "none") }
        let image = model.detector.training?.imageShape
        let trailing = shape.dropFirst()
        let fits = trailing == [width] || (image.map { trailing == [$0.height, $0.width, $0.channels] } ?? false)
        guard shape.count >= 2, fits else {
            let expected = "[N, \(width)]" + (image.map { " or [N, \($0.height), \($0.width), \($0.channels)]" } ?? "")
            throw ServiceError(.badRequest, "the input's shape is \(shape), expected \(expected)", expected: expected, got: "\(shape)")
        }
        guard shape[0] * width == values.count else {
            throw ServiceError(
                .badRequest, "the input's shape \(shape) holds \(shape[0] * width) values, its data \(values.count)",
                expected: "\(shape[0] * width) values", got: "\(values.count) values")
        }
        guard shape[0] > 0 else { throw ServiceError.noRows }
        if input.nesting.count > 1, input.nesting != shape {
            throw ServiceError(
                .badRequest, "the input's data is nested as \(input.nesting), its shape is \(shape)", expected: "\(shape)", got: "\(input.nesting)")
        }
        let asked = outputs.flatMap { $0.isEmpty ? nil : $0 } ?? ["instance_score", "is_outlier"]
        if let unknown = asked.first(where: { !outputNames.contains($0) }) {
            throw ServiceError(.badRequest, "unknown output \"\(unknown)\"", expected: outputNames.joined(separator: ", "), got: unknown)
        }
        if asked.contains("feature_score") && !model.hasFeatureScores {
            throw ServiceError(.badRequest, "\(model.name) (\(model.kind)) has no feature scores", expected: "instance_score, is_outlier", got: "feature_score")
        }
        return Request(id: id, rows: Tensor(shape: [shape[0], width], scalars: values), outputs: asked)
    }

    private static func input(_ scanner: inout JSONScanner, width: Int, maximumRows: Int) throws -> ([Int]?, String?, [Float]?, [Int]) {
        var shape: [Int]?
        var datatype: String?
        var values: [Float]?
        var nesting: [Int] = []
        try scanner.begin(0x7B)
        var keys = 0
        while let key = try scanner.nextKey(&keys) {
            switch key {
            case "name": _ = try scanner.string()
            case "datatype": datatype = try scanner.string()
            case "shape":
                var extents: [Int] = []
                try scanner.begin(0x5B)
                var index = 0
                while try scanner.nextElement(&index) {
                    let extent = try scanner.number()
                    guard extent >= 0, extent == extent.rounded(), extent <= Double(Int32.max), index <= 8 else {
                        throw ServiceError(.badRequest, "the input's shape has \(extent) at \(index - 1)", expected: "up to 8 whole extents ≥ 0", got: "\(extent)")
                    }
                    extents.append(Int(extent))
                }
                shape = extents
            case "data":
                var reader = ValueReader(width: width, maximumRows: maximumRows)
                try reader.flattened(&scanner)
                values = reader.values
                nesting = reader.nesting
            default: try scanner.skipValue()
            }
        }
        return (shape, datatype, values, nesting)
    }

    /// The response: `{"model_name", "id", "outputs": [{"name", "shape", "datatype", "data"}]}`.
    static func response(_ prediction: Prediction, request: Request, model: ServedModel) throws -> [UInt8] {
        let modelName = model.name
        let rows = prediction.instanceScores.count
        var parts: [String] = []
        for name in request.outputs {
            switch name {
            case "instance_score":
                parts.append(output(name, [rows], "FP32", prediction.instanceScores.map(\.description)))
            case "is_outlier":
                parts.append(output(name, [rows], "BOOL", prediction.isOutlier.map { $0 == 0 ? "false" : "true" }))
            default:
                guard let feature = prediction.featureScores else {
                    throw ServiceError(.internalServerError, "model \(model.name) (\(model.kind)) gave no feature scores")
                }
                parts.append(output(name, feature.shape, "FP32", feature.scalars.map(\.description)))
            }
        }
        var text = "{\"model_name\":" + PredictionJSON.jsonString(modelName)
        if let id = request.id { text += ",\"id\":" + PredictionJSON.jsonString(id) }
        text += ",\"outputs\":[" + parts.joined(separator: ",") + "]}\n"
        return Array(text.utf8)
    }

    private static func output(_ name: String, _ shape: [Int], _ datatype: String, _ data: [String]) -> String {
        PredictionJSON.jsonObject([
            ("name", PredictionJSON.jsonString(name)), ("shape", array(shape.map(String.init))),
            ("datatype", PredictionJSON.jsonString(datatype)), ("data", array(data)),
        ])
    }

    private static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// The model's metadata: `{"name", "versions", "platform", "inputs", "outputs"}`, each
    /// tensor with its name, datatype and shape (`-1` for the number of rows).
    static func metadata(_ model: ServedModel) -> [UInt8] {
        let width = model.detector.featureCount
        var outputs = [
            tensor("instance_score", "FP32", [-1]), tensor("is_outlier", "BOOL", [-1]),
        ]
        if model.hasFeatureScores { outputs.append(tensor("feature_score", "FP32", [-1, width])) }
        let text = "{\"name\":" + PredictionJSON.jsonString(model.name) + ",\"versions\":[],\"platform\":\"vigil-\(model.kind)\""
            + ",\"inputs\":[" + tensor("x", "FP32", [-1, width]) + "],\"outputs\":[" + outputs.joined(separator: ",") + "]}\n"
        return Array(text.utf8)
    }

    private static func tensor(_ name: String, _ datatype: String, _ shape: [Int]) -> String {
        PredictionJSON.jsonObject([
            ("name", PredictionJSON.jsonString(name)), ("datatype", PredictionJSON.jsonString(datatype)), ("shape", array(shape.map(String.init))),
        ])
    }
}
