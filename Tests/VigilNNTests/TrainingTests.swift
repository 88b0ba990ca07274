import Foundation
import Testing
import VigilNN
import VigilTensor
import _TestSupport

@Suite("Optimisers and training")
struct TrainingTests {
    @Test func adamStepEqualsHandComputed() throws {
        // Keras Adam, step 1: m = 0.1g, v = 0.001g², α = lr·√(1−β₂)/(1−β₁),
        // θ ← θ − α·m/(√v + ε).
        let parameter = Variable(Tensor(shape: [3], scalars: [1, -2, 0.5]), requiresGradient: true)
        let gradient: [Float] = [0.3, -1.2, 0]
        parameter.gradient = Tensor(shape: [3], scalars: gradient)
        let adam = try Adam(learningRate: 0.01)
        adam.update([parameter])
        let alpha = 0.01 * (1 - 0.999).squareRoot() / (1 - 0.9)
        let expected: [Double] = zip([1.0, -2, 0.5], gradient).map { theta, g in
            let m = 0.1 * Double(g)
            let v = 0.001 * Double(g) * Double(g)
            return theta - alpha * m / (v.squareRoot() + 1e-7)
        }
        for (value, target) in zip(parameter.value.scalars, expected) { #expect(abs(Double(value) - target) < 1e-6) }
        #expect(parameter.gradient == nil)
        // Step 2 with the same gradient: m = 0.19g, v = 0.001999g².
        parameter.gradient = Tensor(shape: [3], scalars: gradient)
        let before = parameter.value.scalars
        adam.update([parameter])
        let alpha2 = 0.01 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
        let g = Double(gradient[0])
        let expected2 = Double(before[0]) - alpha2 * 0.19 * g / ((0.001999 * g * g).squareRoot() + 1e-7)
        #expect(abs(Double(parameter.value.scalars[0]) - expected2) < 1e-6)
    }

    @Test func sgdMomentumAndClipping() throws {
        let parameter = Variable(Tensor(shape: [2], scalars: [1, 1]), requiresGradient: true)
        let sgd = try SGD(learningRate: 0.1, momentum: 0.9, globalClipNorm: 1)
        parameter.gradient = Tensor(shape: [2], scalars: [3, 4])  // norm 5 → clipped to [0.6, 0.8]
        sgd.update([parameter])
        #expect(abs(parameter.value.scalars[0] - (1 - 0.06)) < 1e-7)
        #expect(abs(parameter.value.scalars[1] - (1 - 0.08)) < 1e-7)
        parameter.gradient = Tensor(shape: [2], scalars: [0.5, 0])  // norm below 1: not clipped
        sgd.update([parameter])
        // u = 0.9·(−0.06) − 0.05 = −0.104
        #expect(abs(parameter.value.scalars[0] - (0.94 - 0.104)) < 1e-6)
    }

    @Test func invalidHyperParametersAreErrors() {
        #expect(throws: ModelError.invalidArgument(name: "learning rate", value: "-1.0", requirement: "must be positive")) {
            try Adam(learningRate: -1)
        }
        #expect(throws: ModelError.self) { try Adam(beta1: 1) }
        #expect(throws: ModelError.self) { try SGD(momentum: 1.5) }
    }

    @Test func mlpLearnsXOR() throws {
        var random = SeededRandom(seed: 1)
        let model = Sequential([
            Dense(inputSize: 2, outputSize: 8, activation: .tanh, generator: &random),
            Dense(inputSize: 8, outputSize: 1, generator: &random),
        ])
        let inputs = Tensor(rows: [[0, 0], [0, 1], [1, 0], [1, 1]])
        let targets = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])
        let trainer = Trainer(epochs: 300, batchSize: 4, seed: 1, progress: .silent)
        let history = try trainer.fit(model, optimizer: try Adam(learningRate: 0.05), inputs: inputs, targets: targets) { batch in
            Loss.binaryCrossEntropy(logits: model(Variable(batch.inputs)), targets: Variable(batch.targets!))
        }
        #expect(history.loss.last! < 0.05)
        let predictions = try model.predict(inputs).sigmoid().scalars
        #expect(predictions[0] < 0.1 && predictions[1] > 0.9 && predictions[2] > 0.9 && predictions[3] < 0.1)
    }

    /// Points near a 2-D plane inside 6-D space, which a bottleneck of 2 can reconstruct.
    static func planeData(rows: Int, seed: UInt64) -> Tensor {
        var random = SeededRandom(seed: seed)
        let basis = random.normalTensor([2, 6])
        let codes = random.normalTensor([rows, 2])
        return Tensor.matmul(codes, basis) + random.normalTensor([rows, 6], standardDeviation: 0.05)
    }

    static func autoencoder(seed: UInt64) -> Sequential {
        var random = SeededRandom(seed: seed)
        return Sequential([
            Dense(inputSize: 6, outputSize: 16, activation: .tanh, generator: &random),
            Dense(inputSize: 16, outputSize: 2, generator: &random),
            Dense(inputSize: 2, outputSize: 16, activation: .tanh, generator: &random),
            Dense(inputSize: 16, outputSize: 6, generator: &random),
        ])
    }

    static func trainAutoencoder(seed: UInt64, epochs: Int) throws -> (Sequential, TrainingHistory) {
        let data = planeData(rows: 512, seed: 3)
        let model = autoencoder(seed: seed)
        let trainer = Trainer(epochs: epochs, batchSize: 32, seed: seed, progress: .silent)
        let history = try trainer.fit(model, optimizer: try Adam(learningRate: 0.01), inputs: data) { batch in
            Loss.meanSquaredError(model(Variable(batch.inputs)), Variable(batch.inputs))
        }
        return (model, history)
    }

    @Test func autoencoderLossFalls() throws {
        let (_, history) = try Self.trainAutoencoder(seed: 5, epochs: 30)
        #expect(history.loss.count == 30)
        #expect(history.loss.last! < 0.1 * history.loss.first!)
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        let (first, _) = try Self.trainAutoencoder(seed: 9, epochs: 3)
        let (second, _) = try Self.trainAutoencoder(seed: 9, epochs: 3)
        let (other, _) = try Self.trainAutoencoder(seed: 10, epochs: 3)
        #expect(first.parameters.map(\.value) == second.parameters.map(\.value))
        #expect(first.parameters.map(\.value) != other.parameters.map(\.value))
    }

    @Test func earlyStoppingAndCallbacks() throws {
        let model = Sequential([Dense(kernel: Tensor(rows: [[1]]), bias: nil)])
        var batches = 0
        let trainer = Trainer(
            epochs: 50, batchSize: 2, seed: 0,
            earlyStopping: EarlyStopping(patience: 2, minimumDelta: 1e-3, restoreBestWeights: true),
            callbacks: TrainingCallbacks(batchEnded: { _, _, _ in batches += 1 }), progress: .silent)
        let inputs = Tensor(shape: [4, 1], scalars: [1, 2, 3, 4])
        // The loss only depends on the kernel through 0·k, so it never improves.
        let history = try trainer.fit(model, optimizer: try SGD(learningRate: 0.1), inputs: inputs) { batch in
            model(Variable(batch.inputs)).mean() * 0 + 1
        }
        #expect(history.stoppedAtEpoch == 3)
        #expect(history.loss == [1, 1, 1])
        #expect(batches == 6)
    }

    @Test func trainingArgumentsAreValidated() throws {
        let model = Sequential([Dense(kernel: Tensor(rows: [[1]]), bias: nil)])
        let sgd = try SGD()
        let inputs = Tensor(zeros: [4, 1])
        do {
            _ = try Trainer(progress: .silent).fit(model, optimizer: sgd, inputs: inputs, targets: Tensor(zeros: [3, 1])) { _ in
                model(Variable(inputs)).mean()
            }
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.description.contains("[4, 1]") && error.description.contains("[3, 1]"))
        }
        #expect(throws: ModelError.invalidArgument(name: "batch size", value: "0", requirement: "must be at least 1")) {
            try Trainer(batchSize: 0, progress: .silent).fit(model, optimizer: sgd, inputs: inputs) { _ in Variable(Tensor(0)) }
        }
        #expect(throws: ModelError.self) {
            try Trainer(progress: .silent).fit(model, optimizer: sgd, inputs: inputs) { batch in
                model(Variable(batch.inputs)).log().mean() * Float.infinity
            }
        }
    }
}
