import VigilTensor

/// A tensor's rows served as a file-backed ``VigilTensor/RowSource`` would serve them (no
/// in-memory form), counting the reads: for tests of the streamed paths against the tensor.
public final class StreamedView: RowSource {
    public let tensor: Tensor
    /// The ranges read, in order.
    public private(set) var reads: [Range<Int>] = []

    public init(_ tensor: Tensor) { self.tensor = tensor }

    public var rowCount: Int { tensor.rowCount }
    public var rowShape: [Int] { tensor.rowShape }
    public var inMemory: Tensor? { nil }
    public func rows(_ range: Range<Int>) throws -> Tensor {
        reads.append(range)
        return tensor.slice(alongAxis: 0, range)
    }
}
