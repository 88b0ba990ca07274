#if canImport(Accelerate)
import Accelerate
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `cblas_sgemm` entry point of a BLAS library found at run time.
///
/// On Apple platforms this is Accelerate. On Linux, OpenBLAS is opened with `dlopen`
/// (`libopenblas.so.0`, then `libopenblas.so`), so Vigil builds and runs without it and
/// uses it when it is installed. `VIGIL_BLAS=none` disables the library.
struct BLASBackend: @unchecked Sendable {
    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32,
        Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32
    ) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void

    /// A human-readable name of the library.
    let name: String
    let sgemm: SGEMM
    /// OpenBLAS's `openblas_set_num_threads`, used once to keep it single-threaded.
    let setThreads: SetThreads?

    /// The library this process uses, or `nil` when none is installed or `VIGIL_BLAS=none`.
    static let shared: BLASBackend? = load()

    private static func load() -> BLASBackend? {
        if let choice = Environment.value("VIGIL_BLAS")?.lowercased(), choice == "none" || choice == "fallback" {
            return nil
        }
        #if canImport(Accelerate)
        let accelerate: SGEMM = { order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(
                CBLAS_ORDER(rawValue: UInt32(order)), CBLAS_TRANSPOSE(rawValue: UInt32(transA)),
                CBLAS_TRANSPOSE(rawValue: UInt32(transB)), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        return BLASBackend(name: "Accelerate", sgemm: accelerate, setThreads: nil)
        #else
        // Vigil splits products across its own threads (see `GEMM`), so OpenBLAS runs each
        // call on one thread; its own pool would only spin against Vigil's workers.
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        for library in ["libopenblas.so.0", "libopenblas.so"] {
            guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL),
                let symbol = dlsym(handle, "cblas_sgemm")
            else { continue }
            let setThreads = dlsym(handle, "openblas_set_num_threads").map {
                unsafeBitCast($0, to: SetThreads.self)
            }
            let backend = BLASBackend(
                name: "OpenBLAS (\(library))", sgemm: unsafeBitCast(symbol, to: SGEMM.self), setThreads: setThreads)
            backend.setThreads?(1)
            return backend
        }
        return nil
        #endif
    }

    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112
}
