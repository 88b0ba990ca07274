import Hummingbird
import VigilDetect
import VigilPlot

extension ScoringService {
    func addDashboardRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: DashboardPage.contentSecurityPolicy],
                body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/v1/models/{name}/sample") { [self] _, context in
            let model = try model(context)
            guard let sample = model.sample else { throw ServiceError(.notFound, "model \(model.name) has no stored sample (vigil train --sample-rows)") }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: sample)))
        }
        router.get("/v1/stats") { [self] _, _ in Self.json(try ModelSummary.json(metrics.live())) }
        router.post("/v1/models/{name}/explain") { [self] request, context in
            try await withinTimeLimit { [self] in
                let model = try model(context)
                var rows = try await rows(request, model: model)
                rows.featureScores = true
                let prediction = try await score(model, rows.features, featureScores: true)
                let features = rows.features
                let reconstructions = try await queue.run { try (model.detector as? any ReconstructingDetector)?.reconstruct(features) }
                let analysis: DashboardAnalysis
                do { analysis = try DashboardAnalysis(model: model, rows: rows, prediction: prediction, reconstructions: reconstructions) } catch let error as PlotError {
                    throw ServiceError(.badRequest, "cannot chart these rows: \(error)")
                }
                return Self.json(try ModelSummary.json(analysis))
            }
        }
    }
}
