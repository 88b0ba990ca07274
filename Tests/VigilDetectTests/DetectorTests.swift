import Foundation
import Testing
import _TestSupport
import VigilData
import VigilDetect
import VigilEval
import VigilNN
import VigilTensor

/// Inliers near a 2-D plane in 6-D space; outliers off it.
enum PlantedData {
    static func make(inliers: Int, outliers: Int, seed: UInt64) -> (train: Tensor, test: Tensor, targets: [Int]) {
        var random = SeededRandom(seed: seed)
        let basis = random.normalTensor([2, 6])
        func plane(_ rows: Int) -> Tensor {
            Tensor.matmul(random.normalTensor([rows, 2]), basis) + random.normalTensor([rows, 6], standardDeviation: 0.05)
        }
        let train = plane(inliers)
        let test = Tensor.concatenate([plane(inliers / 4), random.normalTensor([outliers, 6], standardDeviation: 2)], alongAxis: 0)
        return (train, test, Array(repeating: 0, count: inliers / 4) + Array(repeating: 1, count: outliers))
    }

    static func small(_ sizes: [Int], _ activations: [Activation], _ generator: inout SeededRandom) -> Sequential {
        Sequential((0..<(sizes.count - 1)).map {
            Dense(inputSize: sizes[$0], outputSize: sizes[$0 + 1], activation: activations[$0], generator: &generator)
        })
    }
}

@Suite("Detectors find planted outliers")
struct DetectorLearningTests {
    let data = PlantedData.make(inliers: 800, outliers: 40, seed: 3)
    let options = FitOptions(epochs: 15, batchSize: 64, learningRate: 5e-3, seed: 1, progress: .silent)

    func auc(_ detector: some OutlierDetector) throws -> Double {
        try ROCCurve(scores: try detector.score(data.test).instance, targets: data.targets).area
    }

    @Test func outlierVAE() throws {
        var generator = SeededRandom(seed: 2)
        let network = VariationalAutoencoder(
            encoder: PlantedData.small([6, 16], [.relu], &generator), encodedWidth: 16, latentDimension: 2,
            decoder: PlantedData.small([2, 16, 6], [.relu, .linear], &generator), generator: &generator)
        let detector = try OutlierVAE(network: network, featureCount: 6, configuration: .init(samples: 3, covariance: .similarity(0.1)))
        let history = try detector.fit(data.train, options: options)
        #expect(history.loss.last! < history.loss.first!)
        #expect(try auc(detector) > 0.95)
        let scores = try detector.score(data.test)
        #expect(scores.feature?.shape == [data.test.shape[0], 6])
        // Instance score = mean of feature scores; top 50% ≥ mean.
        let mean = (0..<6).map { scores.feature![0, $0] }.reduce(0, +) / 6
        #expect(abs(scores.instance[0] - mean) < 1e-5 * max(1, mean))
        detector.configuration.outlierPercentage = 50
        #expect(try detector.score(data.test).instance[0] >= scores.instance[0] - 1e-6)
        // Feature-level threshold: the 99th percentile of all feature scores; a row is an
        // outlier when any of its features is.
        try detector.inferThreshold(data.test, percentile: 99, outlierType: .feature)
        let prediction = try detector.predict(data.test)
        let threshold = detector.threshold!.value
        #expect(threshold == VigilTensor.percentile(try detector.score(data.test).feature!.scalars, 99))
        let flags = prediction.featureIsOutlier!
        #expect(flags.shape == [data.test.shape[0], 6])
        #expect(flags.scalars.reduce(0, +) > 0)
        for row in 0..<flags.shape[0] {
            let any = (0..<6).contains { flags[row, $0] == 1 }
            #expect(prediction.isOutlier[row] == (any ? 1 : 0))
        }
    }

    @Test func outlierAEGMM() throws {
        var generator = SeededRandom(seed: 4)
        let network = OutlierAEGMM.Network(
            encoder: PlantedData.small([6, 16, 2], [.tanh, .linear], &generator),
            decoder: PlantedData.small([2, 16, 6], [.tanh, .linear], &generator),
            density: PlantedData.small([4, 8, 2], [.tanh, .softmax], &generator))
        let detector = OutlierAEGMM(network: network, featureCount: 6)
        _ = try detector.fit(data.train, options: options)
        #expect(detector.mixture != nil)
        #expect(try auc(detector) > 0.9)
    }

    @Test func outlierVAEGMM() throws {
        var generator = SeededRandom(seed: 5)
        let autoencoder = VariationalAutoencoder(
            encoder: PlantedData.small([6, 16], [.relu], &generator), encodedWidth: 16, latentDimension: 2,
            decoder: PlantedData.small([2, 16, 6], [.relu, .linear], &generator), generator: &generator)
        let detector = try OutlierVAEGMM(
            network: .init(autoencoder: autoencoder, density: PlantedData.small([4, 8, 2], [.tanh, .softmax], &generator)),
            // With alibi's reconstruction weight 1e-7 the decoder learns only through the
            // energy and this small problem reaches AUC ≈ 0.75; weight 1 makes it a VAE + GMM.
            featureCount: 6, configuration: .init(reconstructionWeight: 1, covariance: .similarity(0.1), samples: 4))
        var longer = options
        longer.epochs = 40
        _ = try detector.fit(data.train, options: longer)
        #expect(try auc(detector) > 0.9)
    }

    @Test func thresholdsAndPredictions() throws {
        let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 0)
        _ = try detector.fit(data.train, options: FitOptions(epochs: 2, batchSize: 128, seed: 0, progress: .silent))
        #expect(throws: DetectorError.noThreshold(detector: "OutlierAEGMM")) { try detector.predict(data.test) }
        #expect(throws: DetectorError.self) { try detector.inferThreshold(data.test, outlierType: .feature) }
        try detector.inferThreshold(data.test, percentile: 90)
        let scores = try detector.score(data.test).instance
        #expect(detector.threshold == Threshold(value: VigilTensor.percentile(scores, 90), rule: .percentile(90)))
        let prediction = try detector.predict(data.test)
        #expect(prediction.isOutlier == scores.map { $0 > detector.threshold!.value ? 1 : 0 })
        #expect(prediction.meta.name == "OutlierAEGMM" && prediction.meta.detectorType == "outlier")
        try detector.inferThreshold(normalBatch: data.train, falsePositiveRate: 0.01)
        let flagged = try detector.predict(data.train).isOutlier.reduce(0, +)
        #expect(flagged <= 9)  // 1% of 800, strict '>' at the 99th percentile
        try detector.inferThreshold(data.test, contamination: 0.2)
        #expect(detector.threshold?.rule == .contamination(0.2))
    }

    @Test func chunkedScoringMatchesOneBatch() throws {
        let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 0)
        _ = try detector.fit(data.train, options: FitOptions(epochs: 1, batchSize: 128, seed: 0, progress: .silent))
        let whole = try detector.score(data.test).instance
        // 210 rows in chunks of 16, scored side by side on the worker threads.
        let chunked = try detector.score(data.test, chunkSize: 16).instance
        #expect(try detector.score(data.test, chunkSize: 16).instance == chunked)
        #expect(zip(whole, chunked).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    }

    @Test func badInputIsATypedError() throws {
        let detector = OutlierAEGMM.kddPreset(featureCount: 6, seed: 0)
        #expect(throws: DetectorError.featureCount(detector: "OutlierAEGMM", expected: 6, actual: [3, 5])) {
            try detector.fit(Tensor(zeros: [3, 5]), options: FitOptions(progress: .silent))
        }
        var bad = data.train
        bad[4, 2] = .nan
        #expect(throws: DetectorError.notFinite(detector: "OutlierAEGMM", row: 4, column: 2)) {
            try detector.fit(bad, options: FitOptions(progress: .silent))
        }
        #expect(throws: DetectorError.self) { try detector.score(data.test) }  // not fitted
    }
}

@Suite("Mixture energy and reconstruction features")
struct MixtureTests {
    @Test func energyOfOneGaussianIsItsNegativeLogDensity() throws {
        // One component, D = 2: E(z) = ½‖L⁻¹(z − μ)‖² + ½ log det Σ + log 2π.
        let z = Tensor(rows: [[1, 2], [0, 0], [3, -1], [2, 1]])
        let gamma = Tensor(repeating: 1, shape: [4, 1])
        let mixture = try GaussianMixture.estimate(z: Variable(z), gamma: Variable(gamma), jitter: 0)
        // μ = (1.5, 0.5); Σ = population covariance.
        #expect(mixture.means.value.scalars == [1.5, 0.5])
        let centred = z - Tensor(shape: [2], scalars: [1.5, 0.5])
        let covariance = Tensor.matmul(centred, centred, transposeA: true) / 4
        #expect(maxDifference(mixture.covariances[0].value, covariance) < 1e-6)
        let (a, b, c) = (Double(covariance[0, 0]), Double(covariance[0, 1]), Double(covariance[1, 1]))
        let determinant = a * c - b * b
        let energy = GaussianMixture.energy(Variable(z), mixture).value.scalars
        for row in 0..<4 {
            let (x, y) = (Double(centred[row, 0]), Double(centred[row, 1]))
            let mahalanobis = (c * x * x - 2 * b * x * y + a * y * y) / determinant
            let expected = 0.5 * mahalanobis + 0.5 * log(determinant) + log(2 * Double.pi)
            #expect(abs(Double(energy[row]) - expected) < 1e-4)
        }
        // Penalty Σ 1/diag.
        #expect(abs(Double(GaussianMixture.covariancePenalty(mixture).value.scalar) - (1 / a + 1 / c)) < 1e-4)
        // The streaming accumulator gives the same parameters.
        var accumulator = GaussianMixtureAccumulator(components: 1, dimension: 2)
        accumulator.add(z: z.slice(alongAxis: 0, 0..<3), gamma: gamma.slice(alongAxis: 0, 0..<3))
        accumulator.add(z: z.slice(alongAxis: 0, 3..<4), gamma: gamma.slice(alongAxis: 0, 3..<4))
        let streamed = try accumulator.parameters(jitter: 0)
        #expect(maxDifference(streamed.covariances[0].value, covariance) < 1e-5)
        #expect(maxDifference(GaussianMixture.energy(Variable(z), streamed).value, Tensor(shape: [4], scalars: energy)) < 1e-4)
    }

    @Test func collapsedComponentGetsMoreJitterOnlyWhenItMustAndBadCovariancesFail() throws {
        let one = Variable(Tensor(shape: [1], scalars: [1]))
        let mean = Variable(Tensor(zeros: [1, 2]))
        // A healthy covariance keeps the jitter asked for.
        let healthy = Tensor(rows: [[2, 0.5], [0.5, 1]])
        let kept = try GaussianMixture.Parameters(weights: one, means: mean, covariances: [Variable(healthy)], jitter: 1e-8)
        let factor = kept.choleskyFactors[0].value
        #expect(maxDifference(Tensor.matmul(factor, factor, transposeB: true), healthy) < 1e-6)
        // A collapsed component whose Float32 estimate came out slightly indefinite (eigenvalue
        // ≈ −5e-7): fails with 1e-8, factorised after escalating to 1e-6.
        let singular = Tensor(rows: [[1, 1], [1, 1 - 1e-6]])
        #expect(throws: (any Error).self) { try singular.cholesky(jitter: 1e-8) }
        let escalated = try GaussianMixture.Parameters(weights: one, means: mean, covariances: [Variable(singular)], jitter: 1e-8)
        let l = escalated.choleskyFactors[0].value
        let rebuilt = Tensor.matmul(l, l, transposeB: true)
        #expect(maxDifference(rebuilt, singular) < 1e-5)  // Σ + j·I with j = 1e-6
        #expect(rebuilt[0, 0] > 1 && l[1, 1] > 0)
        // Not positive semi-definite at all: no jitter up to a millionfold helps.
        #expect(throws: (any Error).self) {
            try GaussianMixture.Parameters(weights: one, means: mean, covariances: [Variable(Tensor(rows: [[-1, 0], [0, -1]]))], jitter: 1e-8)
        }
    }

    @Test func reconstructionFeaturesByHand() {
        // x = (3, 4), x̂ = (4, 3): cos = 24/25, ‖x̂ − x‖ = √2, min norm 5.
        let features = reconstructionFeatures(Variable(Tensor(rows: [[3, 4]])), Variable(Tensor(rows: [[4, 3]]))).value.scalars
        #expect(abs(features[0] + 24.0 / 25) < 1e-6)
        #expect(abs(features[1] - Float(2.0.squareRoot() / 5)) < 1e-6)
    }

    @Test func rootMeanSquareFeaturesByHand() {
        // x = (3, 4), x̂ = (4, 3): ‖x − x̂‖/√2 = 1, cos = 24/25.
        let features = reconstructionFeatures(Variable(Tensor(rows: [[3, 4]])), Variable(Tensor(rows: [[4, 3]])), style: .rootMeanSquare).value.scalars
        #expect(abs(features[0] - 1) < 1e-6)
        #expect(abs(features[1] - 24.0 / 25) < 1e-6)
    }

    /// The sizing rule at its edges: 64…256 hidden units, latent ⌈√D⌉ in 2…8, code ⌈√D/2⌉ in 1…4.
    @Test func tableSizingRule() throws {
        let cases: [(features: Int, hidden: Int, latent: Int, code: Int)] = [
            (1, 64, 2, 1), (10, 64, 4, 2), (64, 64, 8, 4), (65, 128, 8, 4), (166, 256, 8, 4), (1_000, 256, 8, 4), (17, 64, 5, 3),
        ]
        for expected in cases {
            let sizing = TableSizing(featureCount: expected.features)
            #expect(
                (sizing.hidden, sizing.secondHidden, sizing.latent, sizing.code) == (expected.hidden, expected.hidden / 2, expected.latent, expected.code),
                "\(expected.features) features")
        }
        // The table networks have those widths, and the reference ones keep the examples'.
        let vae = try #require(try DetectorChoice.vae.make(featureCount: 10, seed: 0) as? OutlierVAE)
        #expect(vae.network.mean.kernel.value.shape == [32, 4] && vae.network.encoder.parameters.map(\.value.shape) == [[10, 64], [64], [64, 32], [32]])
        let reference = try #require(try DetectorChoice.vae.make(featureCount: 10, seed: 0, networks: .reference) as? OutlierVAE)
        #expect(reference.network.mean.kernel.value.shape == [7, 2])
        // The reference networks train with the example's settings, the table ones with alibi's defaults.
        #expect(reference.configuration == .kddExample(seed: 0) && reference.configuration.samples == 5)
        #expect(vae.configuration.samples == 10 && vae.configuration.covariance == .similarity(0.05))
        let referenceMixture = try #require(try DetectorChoice.vaegmm.make(featureCount: 10, seed: 0, networks: .reference) as? OutlierVAEGMM)
        #expect(referenceMixture.configuration == .kddExample(seed: 0) && referenceMixture.configuration.covariance == .similarity(0.0025))
        #expect(throws: DetectorError.invalidArgument(
            name: "networks for ae", expected: "table or reference (kdd-recommended is a VAE's)", actual: "kdd-recommended")) {
            try DetectorChoice.ae.make(featureCount: 10, seed: 0, networks: .kddRecommended)
        }
        let aegmm = try #require(try DetectorChoice.aegmm.make(featureCount: 10, seed: 0) as? OutlierAEGMM)
        #expect(aegmm.configuration.features == .rootMeanSquare)
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }
}

@Suite("Reconstruction probability and likelihoods")
struct ReconstructionProbabilityTests {
    @Test func gaussianNegativeLogLikelihoodByHand() throws {
        let x = Variable(Tensor(rows: [[1, 2]]))
        let mean = Variable(Tensor(rows: [[0, 0]]))
        // (1 + 4)/(2·0.25) + 2·(log 0.5 + ½ log 2π) = 10.4516
        let sim = try Loss.gaussianNegativeLogLikelihood(x, mean, covariance: .similarity(0.5)).value.scalar
        #expect(abs(sim - Float(10 + 2 * (log(0.5) + 0.5 * log(2 * Double.pi)))) < 1e-4)
        // v = (1, 4): 1/2 + 4/8 + ½(log 1 + log 4) + log 2π = 3.5310
        let expected = Float(1 + 0.5 * log(4.0) + log(2 * Double.pi))
        let diagonal = try Loss.gaussianNegativeLogLikelihood(x, mean, covariance: .diagonal([1, 4])).value.scalar
        let full = try Loss.gaussianNegativeLogLikelihood(x, mean, covariance: .full([1, 0, 0, 4])).value.scalar
        #expect(abs(diagonal - expected) < 1e-4 && abs(full - expected) < 1e-4)
        #expect(throws: ModelError.self) { try Loss.gaussianNegativeLogLikelihood(x, mean, covariance: .diagonalOfData) }
        let data = Tensor(rows: [[1, 10], [3, 10], [5, 30]])
        #expect(LikelihoodCovariance.diagonalOfData.resolved(with: data) == .diagonal([8.0 / 3, Float(800.0 / 9)]))
    }

    func fitted(_ scoreType: OutlierVAE.ScoreType, _ covariance: LikelihoodCovariance, data: (train: Tensor, test: Tensor, targets: [Int])) throws -> OutlierVAE {
        var generator = SeededRandom(seed: 2)
        let network = VariationalAutoencoder(
            encoder: PlantedData.small([6, 16], [.relu], &generator), encodedWidth: 16, latentDimension: 2,
            decoder: PlantedData.small([2, 16, 6], [.relu, .linear], &generator), generator: &generator)
        let detector = try OutlierVAE(
            network: network, featureCount: 6, configuration: .init(scoreType: scoreType, samples: 3, covariance: covariance))
        _ = try detector.fit(data.train, options: FitOptions(epochs: 15, batchSize: 64, learningRate: 5e-3, seed: 1, progress: .silent))
        return detector
    }

    @Test func probabilityScoresFindPlantedOutliers() throws {
        let data = PlantedData.make(inliers: 800, outliers: 40, seed: 3)
        // With a similarity covariance the reconstruction probability ranks exactly as the MSE.
        let mse = try fitted(.meanSquaredError, .similarity(0.1), data: data)
        let mseScores = try mse.score(data.test).instance
        mse.configuration.scoreType = .reconstructionProbability
        let probabilityScores = try mse.score(data.test).instance
        let order = { (scores: [Float]) in scores.indices.sorted { scores[$0] < scores[$1] } }
        #expect(order(mseScores) == order(probabilityScores))
        // With the data's covariance the score weighs features by their spread.
        for covariance in [LikelihoodCovariance.diagonalOfData, .fullOfData] {
            let detector = try fitted(.reconstructionProbability, covariance, data: data)
            switch detector.configuration.covariance {
            case .diagonal(let v): #expect(v.count == 6)
            case .full(let c): #expect(c.count == 36)
            default: Issue.record("covariance not resolved: \(detector.configuration.covariance)")
            }
            let scores = try detector.score(data.test)
            #expect(try ROCCurve(scores: scores.instance, targets: data.targets).area > 0.9)
            #expect((scores.feature == nil) == (covariance == .fullOfData))
        }
    }

    /// `nll`: the learnt variance of feature j is the mean over the training rows of its `mse`
    /// feature score, and each feature score is ½·mse/σ² + ½·log 2πσ²; it survives a save.
    @Test func learnedVarianceIsTheMeanSquaredResidual() throws {
        let data = PlantedData.make(inliers: 800, outliers: 40, seed: 3)
        let detector = try fitted(.learnedVariance, .similarity(0.1), data: data)
        let variance = try #require(detector.configuration.residualVariance)
        let nll = try detector.score(data.test)
        #expect(try ROCCurve(scores: nll.instance, targets: data.targets).area > 0.9)
        detector.configuration.scoreType = .meanSquaredError
        let training = try detector.score(data.train).feature!
        let mse = try detector.score(data.test).feature!
        let rows = Float(data.train.shape[0])
        for (j, v) in variance.enumerated() {
            let mean = (0..<data.train.shape[0]).reduce(Float(0)) { $0 + training[$1, j] } / rows
            #expect(abs(v - mean) <= 1e-4 * mean, "feature \(j): \(v) vs \(mean)")
            for row in [0, 5, data.test.shape[0] - 1] {
                let expected = 0.5 * mse[row, j] / v + 0.5 * Float(log(2 * Double.pi * Double(v)))
                #expect(abs(nll.feature![row, j] - expected) <= 1e-4 * max(1, abs(expected)))
            }
        }
        detector.configuration.scoreType = .learnedVariance
        let folder = ScratchFolders.path("nll")
        try detector.inferThreshold(data.train, percentile: 95)
        try detector.save(to: folder)
        let loaded = try #require(try DetectorStore.load(from: folder) as? OutlierVAE)
        #expect(loaded.configuration.residualVariance == variance)
        #expect(try loaded.score(data.test).instance == nll.instance)
    }
}

@Suite("DAGMM paper protocol")
struct DAGMMProtocolTests {
    @Test func paperFeaturesByHand() {
        // x = (3, 4), x̂ = (4, 3): ‖x − x̂‖/‖x‖ = √2/5, cos = 24/25.
        let features = reconstructionFeatures(Variable(Tensor(rows: [[3, 4]])), Variable(Tensor(rows: [[4, 3]])), style: .paper).value.scalars
        #expect(abs(features[0] - Float(2.0.squareRoot() / 5)) < 1e-6)
        #expect(abs(features[1] - 24.0 / 25) < 1e-6)
    }
}

@Suite("PCA detector")
struct PCADetectorTests {
    // numpy: Xc = X − X.mean(0); u, s, vt = np.linalg.svd(Xc); eigenvalues s²/(n − 1)
    //   [1.4287423647689868, 0.0650482804103273, 0.03085221196354277]
    //   |vt| = [[0.679997, 0.699196, 0.220745], [0.571304, 0.693964, 0.438207], [0.459582, 0.171867, 0.871347]]
    //   one component: ((Xc − Xc·vt[:1]ᵀ·vt[:1])²).mean(1)[:3] = [0.012381024, 0.001770758, 0.061039185]
    let x = Tensor(rows: [
        [2.5, 2.4, 0.5], [0.5, 0.7, 1.0], [2.2, 2.9, 0.2], [1.9, 2.2, 0.9],
        [3.1, 3.0, 0.1], [2.3, 2.7, 0.6], [2.0, 1.6, 0.4], [1.0, 1.1, 0.8],
    ])

    @Test func matchesAnIndependentSVD() throws {
        let pca = try PCADetector(featureCount: 3, configuration: .init(components: .count(1)))
        _ = try pca.fit(x, options: FitOptions(standardize: false))
        let expected = [1.4287423647689868, 0.0650482804103273, 0.03085221196354277]
        for (value, reference) in zip(pca.eigenvalues, expected) { #expect(abs(value - reference) < 1e-6) }  // inputs are Float32
        let component = pca.components!.scalars.map(abs)
        for (value, reference) in zip(component, [0.679997, 0.699196, 0.220745]) { #expect(abs(Double(value) - reference) < 1e-5) }
        let scores = try pca.score(x).instance
        for (value, reference) in zip(scores.prefix(3), [0.012381024, 0.001770758, 0.061039185]) {
            #expect(abs(Double(value) - reference) < 1e-6)
        }
        // Components by explained variance: 1.4287 / 1.5246 = 93.7% ≥ 90% → one component; 95% → two.
        let byShare = try PCADetector(featureCount: 3, configuration: .init(components: .explainedVariance(0.9)))
        _ = try byShare.fit(x, options: FitOptions(standardize: false))
        #expect(byShare.components!.shape == [1, 3])
        let more = try PCADetector(featureCount: 3, configuration: .init(components: .explainedVariance(0.95)))
        _ = try more.fit(x, options: FitOptions(standardize: false))
        #expect(more.components!.shape == [2, 3])
        #expect(throws: DetectorError.self) { try PCADetector(featureCount: 3, configuration: .init(components: .count(4))) }
    }

    @Test func findsPlantedOutliers() throws {
        let data = PlantedData.make(inliers: 800, outliers: 40, seed: 3)
        let pca = try PCADetector(featureCount: 6)
        _ = try pca.fit(data.train, options: FitOptions(standardize: false))
        #expect(try ROCCurve(scores: pca.score(data.test).instance, targets: data.targets).area > 0.95)
        // Save → load → identical scores.
        try pca.inferThreshold(data.test, percentile: 90)
        let folder = ScratchFolders.path("pca")
        try pca.save(to: folder)
        let loaded = try DetectorStore.load(from: folder)
        #expect(try loaded.score(data.test).instance == pca.score(data.test).instance)
        #expect(loaded.threshold == pca.threshold)
    }
}
