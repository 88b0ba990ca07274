import Foundation
import Testing
import _TestSupport
import VigilData
@testable import VigilDetect
import VigilEval
import VigilNN
import VigilTensor

/// The planted-outlier data min-max scaled on the training rows (deepad's scaling), so
/// sigmoid outputs can reconstruct it.
private let scaled: (train: Tensor, test: Tensor, targets: [Int]) = {
    let data = PlantedData.make(inliers: 800, outliers: 40, seed: 3)
    let scaler = MinMaxScaler(fitting: data.train)
    return (try! scaler.transform(data.train), try! scaler.transform(data.test), data.targets)
}()

@Suite("deepad's models find planted outliers and survive save → load")
struct DeepadModelTests {
    func check(_ detector: any OutlierDetector, _ options: FitOptions, minimumAUC: Double) throws {
        _ = try detector.fit(scaled.train, options: options)
        let scores = try detector.score(scaled.test).instance
        let auc = try ROCCurve(scores: scores, targets: scaled.targets).area
        #expect(auc > minimumAUC, "\(type(of: detector).kind): ROC AUC \(auc)")
        try detector.inferThreshold(scaled.test, percentile: 90)
        let folder = ScratchFolders.path("deepad")
        try detector.save(to: folder)
        let loaded = try DetectorStore.load(from: folder)
        #expect(type(of: loaded).kind == type(of: detector).kind)
        #expect(try loaded.score(scaled.test).instance == scores)
        #expect(loaded.threshold == detector.threshold)
    }

    func options(epochs: Int, batchSize: Int = 64, learningRate: Float = 5e-3) -> FitOptions {
        FitOptions(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: 1, standardize: false, progress: .silent)
    }

    @Test func autoencoder() throws {
        try check(OutlierAE.deepadPreset(featureCount: 6, seed: 2), options(epochs: 30), minimumAUC: 0.9)
    }

    @Test func variationalAutoencoder() throws {
        // deepad's σ = 1/√2 lets the KL term pull the code towards the prior, so the VAE
        // reconstructs little more than the mean: a weaker detector than the plain autoencoder.
        try check(OutlierVAE.deepadPreset(featureCount: 6, seed: 2), options(epochs: 30), minimumAUC: 0.85)
    }

    @Test func bigan() throws {
        // Adversarial training gives a looser reconstruction; AUC 0.77–0.87 over seeds and settings here.
        try check(BiGANDetector.deepadPreset(featureCount: 6, width: 32, seed: 3), options(epochs: 30), minimumAUC: 0.75)
    }

    @Test func seq2seq() throws {
        try check(Seq2SeqDetector.deepadPreset(featureCount: 6, encoderUnits: 6, seed: 2), options(epochs: 15, learningRate: 1e-2), minimumAUC: 0.9)
    }

    @Test func oneClassSVM() throws {
        try check(OneClassSVM(featureCount: 6, configuration: .init(nu: 0.05, gamma: 2)), options(epochs: 1), minimumAUC: 0.95)
    }

    @Test func seq2seqPredictsTheNextValue() throws {
        // Feature scores line up with features: a record whose last feature alone is off
        // is blamed on that feature.
        let detector = try Seq2SeqDetector.deepadPreset(featureCount: 6, encoderUnits: 6, seed: 2)
        _ = try detector.fit(scaled.train, options: options(epochs: 15, learningRate: 1e-2))
        var record = scaled.train.slice(alongAxis: 0, 0..<1)
        record[0, 5] = record[0, 5] > 0.5 ? -2 : 3
        let feature = try #require(try detector.score(record).feature)
        #expect(feature.scalars.firstIndex(of: feature.scalars.max()!) == 5)
    }
}

@Suite("One-class SVM solver")
struct OneClassSVMTests {
    /// Two points, ν = 0.5 (νl = 1): by symmetry α = (½, ½), both free, so
    /// ρ = G₁ = ½(1 + k) with k = e^{−γ·1}, and f(x) = ½K(x₁, x) + ½K(x₂, x) − ρ.
    @Test func twoPointsByHand() throws {
        let svm = try OneClassSVM(featureCount: 2, configuration: .init(nu: 0.5, gamma: 0.5))
        _ = try svm.fit(Tensor(rows: [[0, 0], [1, 0]]), options: FitOptions(standardize: false))
        let k = exp(-0.5)
        #expect(abs(Double(svm.rho) - 0.5 * (1 + k)) < 1e-6)
        #expect(svm.coefficients!.scalars.map { abs($0 - 0.5) < 1e-6 } == [true, true])
        let decision = try svm.decisionFunction(Tensor(rows: [[0.5, 0], [2, 0], [0, 0]]))
        let expected = [exp(-0.125) - 0.5 * (1 + k), 0.5 * exp(-2) + 0.5 * exp(-0.5) - 0.5 * (1 + k), 0]
        for (value, reference) in zip(decision, expected) { #expect(abs(Double(value) - reference) < 1e-6) }
        // ν = 1: both α at the bound 1, ρ = G = 1 + k, so f(x₁) = K(x₁, x₁) + K(x₂, x₁) − ρ = 0.
        let everything = try OneClassSVM(featureCount: 2, configuration: .init(nu: 1, gamma: 0.5))
        _ = try everything.fit(Tensor(rows: [[0, 0], [1, 0]]), options: FitOptions(standardize: false))
        #expect(abs(Double(everything.rho) - (1 + k)) < 1e-6)
        #expect(abs(try everything.decisionFunction(Tensor(rows: [[0, 0]]))[0]) < 1e-6)
    }

    /// With a row cap the solver sees a seeded subsample: Σα = ν·cap, the support vectors are
    /// rows of the data, and the same seed gives the same model; a saved configuration without
    /// the cap's keys still decodes.
    @Test func aRowCapFitsOnASeededSubsample() throws {
        var random = SeededRandom(seed: 9)
        let data = random.normalTensor([300, 3])
        let options = FitOptions(standardize: false, progress: .silent)
        let capped = try OneClassSVM(featureCount: 3, configuration: .init(nu: 0.5, gamma: 0.5, maximumTrainingRows: 60, seed: 4))
        _ = try capped.fit(data, options: options)
        let alphaSum: Float = capped.coefficients!.scalars.reduce(0, +)
        #expect(abs(alphaSum - 30) < 0.06)
        let again = try OneClassSVM(featureCount: 3, configuration: .init(nu: 0.5, gamma: 0.5, maximumTrainingRows: 60, seed: 4))
        _ = try again.fit(data, options: options)
        #expect(again.supportVectors == capped.supportVectors && again.rho == capped.rho)
        let old = #"{"nu": 0.5, "gamma": 0.5, "tolerance": 0.001, "cacheMegabytes": 200}"#
        let decoded = try JSONDecoder().decode(OneClassSVM.Configuration.self, from: Data(old.utf8))
        #expect(decoded.maximumTrainingRows == nil && decoded.seed == 0)
    }

    /// The ν-property (Schölkopf et al. 2001): at most a share ν of the training rows lies
    /// outside (f < 0) and at least a share ν are support vectors; and Σα = νl.
    @Test func nuBoundsOutliersAndSupportVectors() throws {
        var random = SeededRandom(seed: 11)
        let data = random.normalTensor([400, 3])
        for nu in [0.05, 0.2] {
            let svm = try OneClassSVM(featureCount: 3, configuration: .init(nu: nu, gamma: 0.3, tolerance: 1e-4))
            _ = try svm.fit(data, options: FitOptions(standardize: false))
            let outside = try svm.decisionFunction(data).filter { $0 < -1e-3 }.count
            #expect(Double(outside) <= nu * 400 + 1, "ν \(nu): \(outside) training rows outside")
            #expect(Double(svm.coefficients!.count) >= nu * 400 - 1)
            #expect(abs(Double(svm.coefficients!.scalars.reduce(0, +)) - nu * 400) < 1e-3)
            // Scoring in blocks of rows gives the same values as one block.
            let (vectors, alphas) = (svm.supportVectors!, svm.coefficients!)
            let blocked = svm.scores(data, vectors, alphas, blockRows: 7), whole = svm.scores(data, vectors, alphas, blockRows: 400)
            #expect(blocked.count == 400 && zip(blocked, whole).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func badSettingsAreTypedErrors() {
        #expect(throws: DetectorError.self) { try OneClassSVM(featureCount: 2, configuration: .init(nu: 0)) }
        #expect(throws: DetectorError.self) { try OneClassSVM(featureCount: 2, configuration: .init(gamma: -1)) }
        #expect(throws: DetectorError.self) { try OneClassSVM(featureCount: 2).score(Tensor(rows: [[0, 0]])) }
    }
}
