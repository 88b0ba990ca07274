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
///
/// OpenBLAS picks its kernels from the CPU's model number, and a release that predates a CPU
/// (or a hypervisor's generic model, "Intel Xeon Processor") falls back to its oldest x86-64
/// kernels: on this project's 2-core AVX-512 machine Debian's OpenBLAS 0.3.21 chose
/// `Prescott` and ran sgemm at 16 GFLOP/s instead of 150. So, unless `OPENBLAS_CORETYPE` is
/// set, Vigil names the kernels the CPU's instruction sets allow (``openBLASCoreType(flags:)``)
/// before opening the library, on every x86-64 CPU with AVX: an AMD Zen gets Haswell's
/// (the kernels OpenBLAS itself uses for Zen), a Sapphire Rapids SkylakeX's (its sgemm).
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
        if let core = requestedCoreType { setenv("OPENBLAS_CORETYPE", core, 1) }
        for library in ["libopenblas.so.0", "libopenblas.so"] {
            guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL),
                let symbol = dlsym(handle, "cblas_sgemm")
            else { continue }
            let setThreads = dlsym(handle, "openblas_set_num_threads").map {
                unsafeBitCast($0, to: SetThreads.self)
            }
            let core = dlsym(handle, "openblas_get_corename").flatMap { unsafeBitCast($0, to: CoreName.self)() }.map { String(cString: $0) }
            let backend = BLASBackend(
                name: "OpenBLAS (\(library)" + (core.map { ", \($0) kernels" } ?? "") + ")", sgemm: unsafeBitCast(symbol, to: SGEMM.self),
                setThreads: setThreads)
            backend.setThreads?(1)
            return backend
        }
        return nil
        #endif
    }

    typealias CoreName = @convention(c) () -> UnsafePointer<CChar>?

    /// The kernels Vigil asks OpenBLAS for: from the CPU's flags, unless `OPENBLAS_CORETYPE`
    /// was set before the process started (then `nil`, and the user's choice stands).
    static let requestedCoreType: String? = getenv("OPENBLAS_CORETYPE") == nil ? cpuFlags().flatMap(openBLASCoreType(flags:)) : nil

    /// The OpenBLAS kernel family for an x86-64 CPU with `flags` (as `/proc/cpuinfo` lists
    /// them): `SkylakeX` with AVX-512 F/BW/DQ/VL, `Haswell` with AVX2 and FMA, `Sandybridge`
    /// with AVX; `nil` otherwise (other CPUs, where OpenBLAS's own detection stands).
    /// ``requestedCoreType`` is what Vigil asked for in this process.
    static func openBLASCoreType(flags: Set<Substring>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy({ flags.contains($0[...]) }) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The instruction-set flags of the first CPU in `/proc/cpuinfo`, when it can be read.
    private static func cpuFlags() -> Set<Substring>? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
            return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
        }
        return nil
    }

    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112
}
