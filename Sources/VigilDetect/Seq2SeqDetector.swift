import VigilData
import VigilNN
import VigilTensor

/// deepad's sequence-to-sequence model: each record is read as a sequence of one-value
/// steps (its features in order). A bidirectional LSTM encodes it; the two directions'
/// final states, concatenated, start an LSTM decoder that predicts each next value
/// (teacher forcing in training: input `xₜ`, target `xₜ₊₁`, the last step wrapping to
/// `x₀`, as deepad's `np.roll(x, −1)`), through a dense output layer.
///
/// - Score: the decoder runs greedily from `x₀`, feeding back its own predictions; the
///   feature score of feature `j` is the squared error of its prediction, the instance score
///   their mean (deepad's mean squared error).
/// - Deviation from deepad: no dropout, and every test record is scored (deepad scores 400
///   draws from the first 100 test inliers and 80 from the first 100 outliers).
public final class Seq2SeqDetector: OutlierDetector {
    public static let kind = "Seq2Seq"

    /// The networks: forward and backward encoders (`units` each), a decoder of twice that
    /// width, and the output layer.
    public final class Network: Module {
        public let forwardEncoder: LSTM
        public let backwardEncoder: LSTM
        public let decoder: LSTM
        public let output: Dense

        public init(forwardEncoder: LSTM, backwardEncoder: LSTM, decoder: LSTM, output: Dense) {
            self.forwardEncoder = forwardEncoder
            self.backwardEncoder = backwardEncoder
            self.decoder = decoder
            self.output = output
        }

        /// The decoder's starting state from a batch of sequences `[N, T, 1]` and their reversal.
        func encode(_ sequence: Tensor, reversed: Tensor) -> LSTM.State {
            let forward = forwardEncoder.unroll(Variable(sequence), from: nil).state
            let backward = backwardEncoder.unroll(Variable(reversed), from: nil).state
            return (Variable.concatenate([forward.h, backward.h], alongAxis: 1), Variable.concatenate([forward.c, backward.c], alongAxis: 1))
        }
    }

    public let network: Network
    public let featureCount: Int
    public var standardizer: Standardizer?
    public var threshold: Threshold?
    public var training: TrainingRecord?

    public init(network: Network, featureCount: Int) throws {
        guard network.forwardEncoder.inputSize == 1, network.backwardEncoder.inputSize == 1, network.decoder.inputSize == 1,
            network.decoder.units == network.forwardEncoder.units + network.backwardEncoder.units,
            network.output.inputSize == network.decoder.units, network.output.outputSize == 1
        else {
            throw DetectorError.invalidArgument(
                name: "Seq2Seq network", expected: "one-value steps, a decoder as wide as both encoders, a one-value output",
                actual: "encoders \(network.forwardEncoder.units) + \(network.backwardEncoder.units), decoder \(network.decoder.units)")
        }
        self.network = network
        self.featureCount = featureCount
    }

    /// `[N, T]` as sequences `[N, T, 1]`, reversed in time.
    private func sequences(_ data: Tensor) -> (sequence: Tensor, reversed: Tensor) {
        let (rows, steps) = (data.shape[0], data.shape[1])
        let reversed = (0..<(rows * steps)).map { data.scalars[($0 / steps) * steps + steps - 1 - $0 % steps] }
        return (data.reshaped([rows, steps, 1]), Tensor(shape: [rows, steps, 1], scalars: reversed))
    }

    /// Each row shifted one step left (`np.roll(x, −1, axis=1)`).
    private func nextValues(_ data: Tensor) -> Tensor {
        let (rows, steps) = (data.shape[0], data.shape[1])
        return Tensor(shape: [rows, steps], scalars: (0..<(rows * steps)).map { data.scalars[($0 / steps) * steps + ($0 % steps + 1) % steps] })
    }

    public func fit(_ data: Tensor, options: FitOptions) throws -> TrainingHistory {
        let input = try prepareTraining(data, options: options)
        return try train(network, on: input, options: options) { x in
            let (rows, steps) = (x.shape[0], featureCount)
            let (sequence, reversed) = sequences(x.value)
            let state = network.encode(sequence, reversed: reversed)
            let outputs = network.decoder.unroll(Variable(sequence), from: state).outputs
            let predictions = network.output(Variable.concatenate(outputs, alongAxis: 1).reshaped([rows * steps, network.decoder.units]))
            return Loss.meanSquaredError(predictions.reshaped([rows, steps]), Variable(nextValues(x.value)))
        }
    }

    public func scoreModelInput(_ data: Tensor) throws -> OutlierScores {
        let (rows, steps) = (data.shape[0], featureCount)
        let (sequence, reversed) = sequences(data)
        var state = network.encode(sequence, reversed: reversed)
        var value = Variable(data.slice(alongAxis: 1, 0..<1))
        var predictions: [Variable] = []
        for _ in 0..<steps {
            state = network.decoder.step(value, from: state)
            value = network.output(state.h)
            predictions.append(value)
        }
        let errors = (Variable.concatenate(predictions, alongAxis: 1).value - nextValues(data)).pow(2)
        // The prediction at step t is of feature t + 1 (mod T).
        let featureScores = Tensor(shape: [rows, steps], scalars: (0..<(rows * steps)).map {
            errors.scalars[($0 / steps) * steps + ($0 % steps + steps - 1) % steps]
        })
        return OutlierScores(instance: (featureScores.sum(alongAxis: 1) * (1 / Float(steps))).scalars, feature: featureScores)
    }
}

extension Seq2SeqDetector: RegisteredDetector {
    public static let settingsKey: String? = nil
    public var settings: NoSettings { NoSettings() }
    public var trainedNetwork: (any Module)? { network }

    public static func restore(from saved: inout SavedParts, settings: NoSettings) throws -> Seq2SeqDetector {
        let network = Network(
            forwardEncoder: try saved.layer("forwardEncoder"), backwardEncoder: try saved.layer("backwardEncoder"),
            decoder: try saved.layer("decoder"), output: try saved.layer("output"))
        try saved.fill(network)
        do { return try Seq2SeqDetector(network: network, featureCount: saved.featureCount) } catch {
            throw saved.malformed("\(error)")
        }
    }
}
