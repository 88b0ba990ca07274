#if canImport(Glibc)
import Glibc
#endif

/// How the process's allocator treats the large, short-lived buffers of training.
public enum MemoryReuse {
    /// Keeps freed buffers of up to 1 GiB in the heap for the next allocation instead of
    /// returning them to the system; returns whether the allocator took the settings (Linux's
    /// glibc; elsewhere there is nothing to set: `false`).
    ///
    /// By default glibc maps a large allocation afresh and unmaps it on free (above a threshold
    /// that starts at 128 KiB and follows the sizes freed, at most 32 MiB) and trims the heap
    /// top, so a training step of a convolutional network (patch matrices of 8–16 MiB per
    /// layer, 32 MiB gradients of the CIFAR VAE's latent heads) pays for zeroing new pages.
    /// Measured with `perf stat` on 20 training steps of the CIFAR-10 VAE (two threads, one
    /// session, when training ran on the main thread): 124,000 page faults and 9.9–10.8 s of
    /// CPU with both thresholds at 1 GiB; 1.1 million and 11.4 s with glibc's defaults; 434,000
    /// and 12.4 s with the mapping threshold at 32 MiB; 1.6 million and 14.9 s with only the
    /// trim threshold raised. Call once at start-up, before any other thread allocates; the
    /// resident size then stays at the peak working set.
    ///
    /// It also limits glibc to its main heap (one arena) for every thread that first
    /// allocates after the call. The command line runs on a worker thread of the concurrency
    /// pool, which otherwise gets an arena of its own, and there the thresholds did not keep
    /// training's buffers (the latent heads' 32 MiB weights and gradients among them): 614,000
    /// page faults and 181 samples/s, against 124,000 and 213 with one arena, for 20 steps of
    /// the CIFAR-10 VAE on two threads (`perf stat`, a later session, AMD EPYC Zen 3).
    @discardableResult
    public static func keepFreedBuffers() -> Bool {
        #if canImport(Glibc)
        // `mallopt` lives in <malloc.h>, which Swift's Glibc module leaves out: found by
        // name, with glibc's option numbers M_TRIM_THRESHOLD (−1), M_MMAP_THRESHOLD (−3)
        // and M_ARENA_MAX (−8).
        typealias SetOption = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: SetOption.self)
        let taken = [mallopt(-8, 1), mallopt(-3, 1 << 30), mallopt(-1, 1 << 30)]
        return taken.allSatisfy { $0 == 1 }
        #else
        return false
        #endif
    }
}
