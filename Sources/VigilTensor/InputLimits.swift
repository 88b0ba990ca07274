import Synchronization

/// The caps Vigil's readers and loaders check before they allocate, so that a hostile or
/// broken file gets an error instead of exhausting memory or time.
///
/// Every size a file declares (a shape, a tensor's byte range, a layer's width, a line) is
/// checked for overflow and against these limits before anything is allocated. The
/// defaults suit a workstation; each can be raised (or lowered) with the environment
/// variable named beside it, read once at start-up, or by setting ``current``.
public struct InputLimits: Sendable, Equatable {
    /// The largest `config.json` of a saved detector: 16 MiB (`VIGIL_MAX_CONFIG_BYTES`).
    public var maximumConfigBytes = 16 << 20
    /// The longest line of a text file (CSV, KDD), and the longest quoted field: 16 MiB
    /// (`VIGIL_MAX_LINE_BYTES`). A file with no line breaks, or a device that never
    /// ends, stops here.
    public var maximumLineBytes = 16 << 20
    /// The most values one array, tensor or table may hold: 2³⁰, 4 GiB of Float32
    /// (`VIGIL_MAX_ELEMENTS`).
    public var maximumElements = 1 << 30
    /// The widest layer a saved network may declare (units, filters, kernel taps): 2¹⁶
    /// (`VIGIL_MAX_LAYER_UNITS`).
    public var maximumLayerUnits = 1 << 16

    public init() {}

    /// Limits with the defaults but for the element cap.
    public init(maximumElements: Int) { self.maximumElements = maximumElements }

    private static let storage = Mutex(InputLimits.fromEnvironment())

    /// The limits in force (from the environment at start-up unless set).
    public static var current: InputLimits {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    static func fromEnvironment() -> InputLimits {
        var limits = InputLimits()
        func read(_ name: String, _ value: inout Int) {
            // Capped at 2⁴⁰ so that the byte counts derived from a limit never overflow.
            if let text = Environment.value(name), let number = Int(text), number > 0 { value = min(number, 1 << 40) }
        }
        read("VIGIL_MAX_CONFIG_BYTES", &limits.maximumConfigBytes)
        read("VIGIL_MAX_LINE_BYTES", &limits.maximumLineBytes)
        read("VIGIL_MAX_ELEMENTS", &limits.maximumElements)
        read("VIGIL_MAX_LAYER_UNITS", &limits.maximumLayerUnits)
        return limits
    }

    /// The product of `dimensions`, or `nil` when one is negative, the product overflows
    /// or it exceeds ``maximumElements``.
    public func elementCount(_ dimensions: [Int]) -> Int? {
        var product = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow, result <= maximumElements else { return nil }
            product = result
        }
        return product
    }
}
