import VigilTensor

/// Loss functions, each returning a rank-0 ``Variable`` (the mean over the batch).
public enum Loss {
    /// `mean((ŷ − y)²)` over every element (Keras `MeanSquaredError`: the mean over
    /// features, then over the batch, which is the same number).
    public static func meanSquaredError(_ predictions: Variable, _ targets: Variable) -> Variable {
        precondition(
            predictions.shape == targets.shape,
            "meanSquaredError: predictions of shape \(predictions.shape) and targets of shape \(targets.shape)")
        let difference = predictions - targets
        return (difference * difference).mean()
    }

    /// Binary cross-entropy from logits, `mean(max(x, 0) − x·y + log(1 + e^{−|x|}))`,
    /// which equals `−mean(y·log σ(x) + (1 − y)·log(1 − σ(x)))` without overflow for any `x`.
    public static func binaryCrossEntropy(logits: Variable, targets: Variable) -> Variable {
        precondition(
            logits.shape == targets.shape,
            "binaryCrossEntropy: logits of shape \(logits.shape) and targets of shape \(targets.shape)")
        return (logits.relu() - logits * targets + (-logits.abs()).softplus()).mean()
    }
}
