//! Cache prefetch hints, for [`Event::prefetch`](crate::Event::prefetch) and for walks over
//! events that know which one they read next. On x86-64 they ask the CPU to start loading a
//! cache line; elsewhere they do nothing. A hint never faults, whatever the address.
//!
//! The workspace denies `unsafe`; this is its one exception. The standard library's
//! `std::hint::prefetch_read` is not stable yet, and the x86-64 intrinsic is marked `unsafe`
//! although a prefetch reads nothing.

/// Asks the CPU to start loading the cache line holding `address` into every cache level.
#[inline(always)]
pub fn line(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch reads no memory and never faults, whatever the address; SSE, which
    // the instruction needs, is part of every x86-64 CPU.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(address.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// [`line()`] for each cache line of `value`'s own bytes (not of what it points to).
#[inline(always)]
pub fn value<T>(value: &T) {
    let start = (value as *const T).cast::<u8>();
    let size = size_of::<T>();
    for offset in (0..size).step_by(64) {
        line(start.wrapping_add(offset));
    }
    // The last line, which the steps miss when `value` does not start a line.
    if size > 0 {
        line(start.wrapping_add(size - 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_never_fault_and_change_nothing() {
        line(std::ptr::null());
        line(usize::MAX as *const u8);
        line(std::ptr::dangling());
        value(&());
        let bytes = [7u8; 1000];
        value(&bytes);
        for offset in 0..bytes.len() {
            line(bytes.as_ptr().wrapping_add(offset));
        }
        assert!(bytes.iter().all(|&byte| byte == 7));
    }
}
