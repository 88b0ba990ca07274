import VigilTensor

/// One mini-batch handed to the loss function of ``Trainer/fit(_:optimizer:inputs:targets:validationLoss:loss:)``.
public struct TrainingBatch {
    /// The batch's rows of the inputs.
    public let inputs: Tensor
    /// The batch's rows of the targets, when targets were given.
    public let targets: Tensor?
    /// The positions of these rows in the full data.
    public let indices: [Int]
    /// The 1-based epoch and batch numbers.
    public let epoch: Int, batch: Int
}

/// What a training run recorded, epoch by epoch.
public struct TrainingHistory: Codable, Sendable, Equatable {
    /// The mean training loss of each epoch (weighted by batch size).
    public var loss: [Float] = []
    /// The validation loss after each epoch, when a validation loss was given.
    public var validationLoss: [Float] = []
    /// Wall-clock seconds of each epoch.
    public var epochSeconds: [Double] = []
    /// The epoch at which early stopping ended training, if it did.
    public var stoppedAtEpoch: Int?

    /// An empty history (a model fitted without a training loop).
    public init() {}
}

/// Stop training when the monitored loss has not improved by more than `minimumDelta`
/// for `patience` epochs (Keras `EarlyStopping`).
public struct EarlyStopping: Sendable {
    /// Which loss is watched.
    public enum Monitor: Sendable { case loss, validationLoss }
    public var monitor: Monitor
    public var patience: Int
    public var minimumDelta: Float
    /// Put back the parameters of the best epoch when training stops.
    public var restoreBestWeights: Bool

    public init(monitor: Monitor = .loss, patience: Int = 3, minimumDelta: Float = 0, restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.restoreBestWeights = restoreBestWeights
    }
}

/// Callbacks during training; `epochEnded` may return `false` to stop.
public struct TrainingCallbacks {
    /// Called after every batch with the epoch, the batch and its loss.
    public var batchEnded: ((_ epoch: Int, _ batch: Int, _ loss: Float) -> Void)?
    /// Called after every epoch with the history so far; return `false` to stop.
    public var epochEnded: ((_ epoch: Int, _ history: TrainingHistory) -> Bool)?

    public init(
        batchEnded: ((_ epoch: Int, _ batch: Int, _ loss: Float) -> Void)? = nil,
        epochEnded: ((_ epoch: Int, _ history: TrainingHistory) -> Bool)? = nil
    ) {
        self.batchEnded = batchEnded
        self.epochEnded = epochEnded
    }
}

/// The mini-batch training loop: shuffles the rows each epoch from a seed, hands each
/// batch to a loss function, back-propagates, and lets the optimiser update the module.
public struct Trainer {
    public var epochs: Int
    public var batchSize: Int
    /// Reorder the rows every epoch (from ``seed``); otherwise batches follow row order.
    public var shuffle: Bool
    /// The seed of the shuffling; the same seed gives the same batches.
    public var seed: UInt64
    public var earlyStopping: EarlyStopping?
    public var callbacks: TrainingCallbacks
    /// How progress is shown on standard error.
    public var progress: ProgressStyle

    public init(
        epochs: Int = 1, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0,
        earlyStopping: EarlyStopping? = nil, callbacks: TrainingCallbacks = TrainingCallbacks(),
        progress: ProgressStyle = .automatic
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.earlyStopping = earlyStopping
        self.callbacks = callbacks
        self.progress = progress
    }

    /// Trains `module` to minimise `loss` over mini-batches of `inputs` (and `targets`).
    ///
    /// - Parameters:
    ///   - validationLoss: evaluated after every epoch when given (e.g. the loss on held-out
    ///     data, computed without recording gradients).
    ///   - loss: any differentiable function of a batch returning a single-element value.
    /// - Returns: the loss history.
    /// - Throws: ``ModelError`` when the arguments are unusable (no rows, targets whose row
    ///   count differs from the inputs', non-positive epochs or batch size), when `loss`
    ///   returns more than one element, or when the loss becomes NaN or infinite.
    public func fit(
        _ module: some Module, optimizer: some Optimizer, inputs: Tensor, targets: Tensor? = nil,
        validationLoss: (() throws -> Float)? = nil,
        loss: (TrainingBatch) throws -> Variable
    ) throws -> TrainingHistory {
        try fit(module, optimizer: optimizer, rows: inputs, targets: targets, validationLoss: validationLoss, loss: loss)
    }

    /// Trains as ``fit(_:optimizer:inputs:targets:validationLoss:loss:)`` over the rows of
    /// `rows`, which may live on disk: an in-memory source is visited in a fresh seeded
    /// permutation each epoch; any other in ``BatchOrder/shuffledBlocks`` order, so only a
    /// shuffle window of rows is ever in memory.
    public func fit(
        _ module: some Module, optimizer: some Optimizer, rows: some RowSource, targets: Tensor? = nil,
        validationLoss: (() throws -> Float)? = nil,
        loss: (TrainingBatch) throws -> Variable
    ) throws -> TrainingHistory {
        let parameters = module.parameters
        return try run(module, rows: rows, targets: targets, validationLoss: validationLoss) { batch in
            let value = try loss(batch)
            guard value.value.count == 1 else {
                throw ModelError.shapeMismatch(component: "training loss", expected: [], actual: value.shape)
            }
            let lossValue = value.value.scalars[0]
            guard lossValue.isFinite else { throw ModelError.nonFiniteLoss(epoch: batch.epoch, batch: batch.batch, value: lossValue) }
            value.backward()
            optimizer.update(parameters)
            return lossValue
        }
    }

    /// Runs the training loop with a custom step: shuffled mini-batches, progress,
    /// callbacks, history and early stopping as ``fit(_:optimizer:inputs:targets:validationLoss:loss:)``,
    /// but `step` does the whole update itself (e.g. a GAN's alternating discriminator and
    /// generator steps, each with its own optimiser) and returns the batch's loss.
    ///
    /// - Throws: as `fit`, and ``ModelError/nonFiniteLoss(epoch:batch:value:)`` when a step
    ///   returns NaN or an infinity.
    public func run(
        _ module: some Module, inputs: Tensor, targets: Tensor? = nil, validationLoss: (() throws -> Float)? = nil,
        step: (TrainingBatch) throws -> Float
    ) throws -> TrainingHistory {
        try run(module, rows: inputs, targets: targets, validationLoss: validationLoss, step: step)
    }

    /// Runs the loop of ``run(_:inputs:targets:validationLoss:step:)`` over `rows`, which may
    /// live on disk (see ``BatchOrder``); targets need an in-memory source.
    public func run(
        _ module: some Module, rows source: some RowSource, targets: Tensor? = nil, validationLoss: (() throws -> Float)? = nil,
        step: (TrainingBatch) throws -> Float
    ) throws -> TrainingHistory {
        try validate(source, targets: targets, hasValidation: validationLoss != nil)
        let parameters = module.parameters
        let rows = source.rowCount
        // A batch larger than the data is the whole data (and cannot overflow the counts below).
        let batchSize = min(self.batchSize, rows)
        let batchCount = (rows + batchSize - 1) / batchSize
        let order = BatchOrder(source)
        var generator = SeededRandom(seed: seed)
        var history = TrainingHistory()
        var best: (value: Float, epoch: Int, weights: [Tensor])?
        let reporter = ProgressReporter(style: progress, epochs: epochs, batches: batchCount)
        module.setTraining(true)
        defer { module.setTraining(false) }
        for epoch in 1...epochs {
            let clock = ContinuousClock.now
            reporter.epochStarted(epoch)
            var total: Double = 0
            var (batch, seen) = (0, 0)
            try order.forEachBatch(of: source, batchSize: batchSize, shuffle: shuffle, generator: &generator) { indices, inputs in
                batch += 1
                let data = TrainingBatch(inputs: inputs, targets: targets?.gatherRows(indices), indices: indices, epoch: epoch, batch: batch)
                let lossValue = try step(data)
                guard lossValue.isFinite else { throw ModelError.nonFiniteLoss(epoch: epoch, batch: batch, value: lossValue) }
                total += Double(lossValue) * Double(indices.count)
                seen += indices.count
                callbacks.batchEnded?(epoch, batch, lossValue)
                reporter.batchEnded(batch, loss: Float(total / Double(seen)), samples: seen)
            }
            history.loss.append(Float(total / Double(rows)))
            if let validationLoss { history.validationLoss.append(try validationLoss()) }
            history.epochSeconds.append((ContinuousClock.now - clock).inSeconds)
            reporter.epochEnded(epoch, history: history, samples: rows)
            if callbacks.epochEnded?(epoch, history) == false { break }
            if let stopping = earlyStopping {
                let monitored = stopping.monitor == .loss ? history.loss.last! : history.validationLoss.last!
                if best == nil || monitored < best!.value - stopping.minimumDelta {
                    best = (monitored, epoch, stopping.restoreBestWeights ? parameters.map(\.value) : [])
                } else if epoch - best!.epoch >= stopping.patience {
                    history.stoppedAtEpoch = epoch
                    if stopping.restoreBestWeights {
                        for (parameter, weights) in zip(parameters, best!.weights) { parameter.value = weights }
                    }
                    break
                }
            }
        }
        return history
    }

    private func validate(_ inputs: some RowSource, targets: Tensor?, hasValidation: Bool) throws(ModelError) {
        try ModelError.require(epochs > 0, "epochs", epochs, "must be at least 1")
        try ModelError.require(batchSize > 0, "batch size", batchSize, "must be at least 1")
        let shape = [inputs.rowCount] + inputs.rowShape
        try ModelError.require(inputs.rowCount > 0, "inputs of shape", shape, "need at least one row")
        if let targets, targets.rank < 1 || targets.shape[0] != inputs.rowCount {
            throw .shapeMismatch(
                component: "training targets (one row per input row; inputs have shape \(shape))",
                expected: [inputs.rowCount] + Array(targets.shape.dropFirst()), actual: targets.shape)
        }
        if targets != nil && inputs.inMemory == nil {
            throw .invalidArgument(name: "training targets", value: "given", requirement: "need inputs held in memory")
        }
        if earlyStopping?.monitor == .validationLoss, !hasValidation {
            throw .invalidArgument(name: "early stopping monitor", value: "validationLoss", requirement: "needs a validation loss")
        }
        if let stopping = earlyStopping {
            try ModelError.require(stopping.patience >= 1, "patience", stopping.patience, "must be at least 1")
        }
    }
}
