import HTTPTypes
import Hummingbird
import VigilDetect
import VigilPlot

extension ScoringService {
    func addDashboardRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: DashboardPage.contentSecurityPolicy,
                    HTTPField.Name("Referrer-Policy")!: "no-referrer",
                ],
                body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/v1/models/{name}/sample") { [self] _, context in
            let model = try model(context)
            guard let sample = model.sample else { throw ServiceError(.notFound, "model \(model.name) has no stored sample (vigil train --sample-rows)") }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: sample)))
        }
        router.get("/v1/stats") { [self] _, _ in Self.json(try ModelSummary.json(metrics.live())) }
        router.post("/v1/models/{name}/explain") { [self] request, context in
            try await scoring(request, context) { [self] model, bytes, form in
                let rows = try rows(bytes, form, model: model)
                guard rows.features.shape[0] <= DashboardAnalysis.maximumRows else {
                    throw ServiceError.tooManyRows("\(rows.features.shape[0])", limit: DashboardAnalysis.maximumRows, setting: "the dashboard's limit")
                }
                let prediction = try predict(model, rows.features, featureScores: true)
                let reconstructions = try (model.detector as? any ReconstructingDetector)?.reconstruct(rows.features)
                let analysis: DashboardAnalysis
                do { analysis = try DashboardAnalysis(model: model, rows: rows, prediction: prediction, reconstructions: reconstructions) } catch let error as PlotError {
                    throw ServiceError(.badRequest, "cannot chart these rows: \(error)")
                }
                return Self.json(try ModelSummary.json(analysis))
            }
        }
    }
}
