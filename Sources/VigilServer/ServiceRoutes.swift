import Foundation
import Hummingbird
import VigilDetect
import VigilTensor

extension ScoringService {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v2/health/live") { _, _ in Self.json(Array("{\"live\":true}\n".utf8)) }
        router.get("/v2/health/ready") { [self] _, _ in
            let ready = !store.all.isEmpty
            return Self.json(Array("{\"ready\":\(ready)}\n".utf8), status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/v2") { _, _ in
            Self.json(Array("{\"name\":\"vigil\",\"version\":\(PredictionJSON.jsonString(Vigil.version)),\"extensions\":[]}\n".utf8))
        }
        router.get("/v2/models/{name}") { [self] _, context in
            Self.json(InferenceProtocol.metadata(try model(context)))
        }
        router.get("/v2/models/{name}/ready") { [self] _, context in
            let model = try model(context)
            return Self.json(Array("{\"name\":\(PredictionJSON.jsonString(model.name)),\"ready\":true}\n".utf8))
        }
        router.post("/v2/models/{name}/infer") { [self] request, context in
            try await scoring(request, context) { [self] model, bytes, _ in
                let inference = try InferenceProtocol.request(bytes, model: model, maximumRows: options.maximumRows)
                let prediction = try predict(model, inference.rows, featureScores: inference.outputs.contains("feature_score"))
                return Self.json(try InferenceProtocol.response(prediction, request: inference, model: model))
            }
        }
        router.post("/v1/models/{name}/predict") { [self] request, context in
            try await scoring(request, context) { [self] model, bytes, form in
                let rows = try rows(bytes, form, model: model)
                let prediction = try predict(model, rows.features, featureScores: rows.featureScores)
                return Self.json(PredictionJSON.encode(prediction, featureScores: rows.featureScores))
            }
        }
        router.get("/v1/models") { [self] _, _ in Self.json(try ModelSummary.json(store.all.map(ModelSummary.init))) }
        router.get("/v1/models/{name}") { [self] _, context in Self.json(try ModelSummary.json(ModelSummary(try model(context)))) }
        router.get("/metrics") { [self] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition)))
        }
        addDashboardRoutes(to: router)
    }

    /// The model named in the route (percent-decoded), or a 404.
    func model(_ context: BasicRequestContext) throws -> ServedModel {
        let raw = context.parameters.get("name") ?? ""
        let name = raw.removingPercentEncoding ?? raw
        guard let model = store.model(named: name) else { throw ServiceError.unknownModel(name) }
        return model
    }

    /// A scoring request, within the time limit: the model it names and its body are read
    /// here, then `answer` runs on a scoring thread.
    func scoring(
        _ request: Request, _ context: BasicRequestContext, _ answer: @escaping @Sendable (ServedModel, [UInt8], RowForm) throws -> Response
    ) async throws -> Response {
        try await withinTimeLimit { [self] in
            let model = try model(context)
            let form = RowForm(request)
            let bytes = try await body(request)
            return try await queue.run { try answer(model, bytes, form) }
        }
    }

    /// The request's body, at most ``ServiceOptions/maximumBodyBytes``.
    func body(_ request: Request) async throws -> [UInt8] {
        let limit = options.maximumBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw ServiceError.bodyTooLarge(limit: limit) }
        var bytes: [UInt8] = []
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= limit else { throw ServiceError.bodyTooLarge(limit: limit) }
            bytes += chunk.readableBytesView
        }
        return bytes
    }

    /// The rows of a simple-form body: CSV when ``RowForm/csv``, else `{"instances": …}`.
    func rows(_ bytes: [UInt8], _ form: RowForm, model: ServedModel) throws -> ScoringRows {
        if form.csv {
            return try RowRequests.csv(
                bytes, model: model, labelColumn: form.labelColumn, featureScores: form.featureScores, maximumRows: options.maximumRows,
                maximumBytes: options.maximumBodyBytes)
        }
        var rows = try RowRequests.instances(bytes, width: model.detector.featureCount, maximumRows: options.maximumRows)
        rows.featureScores = rows.featureScores || form.featureScores
        return rows
    }

    /// Scores `rows` with `model` (on a scoring thread); a non-finite score is a 500 that
    /// names the model, the row and the stage.
    func predict(_ model: ServedModel, _ rows: Tensor, featureScores: Bool) throws -> Prediction {
        let prediction: Prediction
        do { prediction = try model.detector.predict(rows, returnFeatureScores: featureScores) } catch let error as DetectorError {
            switch error {
            case let .nonFiniteScore(_, row, stage):
                logger.error("model \(model.name) gave a non-finite score: \(error)")
                throw ServiceError(.internalServerError, "model \(model.name) (\(model.kind)) gave a non-finite score for row \(row) (\(stage)); nothing was scored", row: row)
            case let .notFinite(_, row, column):
                throw ServiceError.badValue(row: row, column: column, expected: "a finite number", got: "a non-finite value")
            default:
                throw ServiceError(.internalServerError, "model \(model.name): \(error)")
            }
        }
        metrics.scored(model: model.name, rows: prediction.instanceScores.count, outliers: prediction.isOutlier.reduce(0, +))
        return prediction
    }

    /// Runs `operation`, answering 503 when it takes longer than ``ServiceOptions/requestTimeout``
    /// (a job already running on a scoring thread finishes there and its answer is dropped).
    func withinTimeLimit(_ operation: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await deadlines.run(limit: options.requestTimeout, operation)
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// How a simple-form request says what it sends and wants: a CSV body (`Content-Type:
/// text/csv`), its label column (`?label_column=NAME`), feature scores (`?feature_scores=true`).
struct RowForm: Sendable {
    var csv: Bool
    var labelColumn: String?
    var featureScores: Bool

    init(_ request: Request) {
        let query = request.uri.queryParameters
        csv = request.headers[.contentType].map { $0.lowercased().hasPrefix("text/csv") } ?? false
        labelColumn = query.get("label_column")
        featureScores = query.get("feature_scores") == "true"
    }
}
