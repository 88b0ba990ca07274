#if canImport(Glibc)
import Glibc
#endif

/// How the process's allocator treats the large, short-lived buffers of training.
public enum MemoryReuse {
    /// Keeps freed buffers of up to 32 MiB (glibc's largest mapping threshold) in the heap for
    /// the next allocation instead of returning them to the system; returns whether the
    /// allocator took both settings (Linux's glibc; elsewhere there is nothing to set: `false`).
    ///
    /// By default glibc maps an allocation above a threshold that starts at 128 KiB afresh and
    /// unmaps it on free, so a training step of a convolutional network (patch matrices of
    /// 8–16 MiB per layer) pays for zeroing new pages. Call once at start-up; the process's
    /// resident size then stays at its peak working set, which it reaches anyway.
    @discardableResult
    public static func keepFreedBuffers() -> Bool {
        #if canImport(Glibc)
        // `mallopt` lives in <malloc.h>, which Swift's Glibc module leaves out: found by
        // name, with glibc's option numbers M_TRIM_THRESHOLD (−1) and M_MMAP_THRESHOLD (−3).
        // glibc refuses a mapping threshold above half its heap size (32 MiB on 64 bits), and
        // either setting ends its dynamic threshold, so the mapping threshold is set first.
        typealias SetOption = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: SetOption.self)
        guard mallopt(-3, 32 << 20) == 1 else { return false }
        return mallopt(-1, 256 << 20) == 1
        #else
        return false
        #endif
    }
}
