extension Duration {
    /// The duration in seconds, as a `Double` (for timings printed and stored by Vigil).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
