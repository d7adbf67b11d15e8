//! The only place where raw pointers from C are turned into Rust references, handles are
//! boxed and unboxed, and the panic boundary is drawn. Every exported function runs its
//! body through [`guard`] and reaches its arguments through the helpers here; no other
//! module of the crate holds an `unsafe` block.
//!
//! The helpers take raw pointers in safe signatures: what they rely on is the C caller's
//! side of the contract, stated in the header for each function (a non-NULL pointer points
//! to a live object of the right type, a buffer holds at least its stated length, a string
//! is NUL-terminated). NULL is checked here, on every pointer, before anything else.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_void, CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use crate::status::scanx_status;
use crate::status::{clear_last_error, set_last_error, Failure, Outcome};

/// Runs one exported function's body: a panic becomes `SCANX_PANIC`, an error becomes its
/// status and the thread's last error; success clears the last error.
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> scanx_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            clear_last_error();
            scanx_status::SCANX_OK
        }
        Ok(Err(failure)) => set_last_error(failure),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            set_last_error(Failure::new(
                scanx_status::SCANX_PANIC,
                format!("internal error (panic): {message}"),
            ))
        }
    }
}

/// `&T` from a pointer to an object the caller owns.
pub(crate) fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: non-NULL pointers passed by C point to a live T for the call (the contract).
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// `Some(&T)` from a pointer that may be NULL (an optional argument).
pub(crate) fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: as arg_ref; NULL is None.
    unsafe { ptr.as_ref() }
}

/// `&mut T` from a pointer to an object the caller owns and nobody else uses meanwhile.
pub(crate) fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: as arg_ref, and the caller does not use the object from another thread
    // during the call (the header says which handles are not shareable).
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// An output location, checked for NULL up front and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Writes the value (the old one is not dropped: it is plain C data).
    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL in `out`; the caller gives room for one T.
        unsafe { self.0.write(value) }
    }
}

/// Checks an output pointer.
pub(crate) fn out<T>(ptr: *mut T, name: &str) -> Result<Out<T>, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    Ok(Out(ptr))
}

/// A borrowed byte buffer; NULL is allowed only with length 0.
pub(crate) fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Failure::null(name));
    }
    // SAFETY: the caller gives `len` readable bytes at `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A borrowed writable byte buffer; NULL is allowed only with length 0.
pub(crate) fn bytes_mut<'a>(ptr: *mut u8, len: usize, name: &str) -> Result<&'a mut [u8], Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&mut []);
        }
        return Err(Failure::null(name));
    }
    // SAFETY: the caller gives `len` writable bytes at `ptr`, used by nobody else meanwhile.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A borrowed array of `count` values; NULL is allowed only with count 0.
pub(crate) fn slice<'a, T>(ptr: *const T, count: usize, name: &str) -> Result<&'a [T], Failure> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!("`{name}` is not aligned")));
    }
    // SAFETY: the caller gives `count` initialized values at `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// A NUL-terminated UTF-8 string.
pub(crate) fn text<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: the caller gives a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|_| {
        Failure::from(scanx::Error::new(
            scanx::ErrorKind::InvalidUtf8,
            format!("{name} is not UTF-8"),
        ))
    })
}

/// A NUL-terminated UTF-8 string, or NULL for none.
pub(crate) fn opt_text<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        text(ptr, name).map(Some)
    }
}

/// A NUL-terminated path (any bytes but NUL, as the operating system takes them).
pub(crate) fn path(ptr: *const c_char, name: &str) -> Result<PathBuf, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: the caller gives a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    Ok(PathBuf::from(OsStr::from_bytes(c.to_bytes())))
}

/// Moves a value to the heap and hands C the pointer; [`free_handle`] takes it back.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Drops a handle made by [`into_handle`]; NULL is a no-op.
pub(crate) fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `into_handle::<T>` and is freed once (the contract).
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// A library-allocated NUL-terminated string for C, freed by `scanx_string_free`.
pub(crate) fn into_c_string(text: impl Into<Vec<u8>>) -> Result<*mut c_char, Failure> {
    let c = CString::new(text).map_err(|_| {
        Failure::from(scanx::Error::invalid_argument(
            "the text holds a NUL byte and cannot be handed over as a C string",
        ))
    })?;
    Ok(c.into_raw())
}

/// Frees a string made by [`into_c_string`]; NULL is a no-op.
pub(crate) fn free_c_string(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `CString::into_raw` and is freed once (the contract).
        drop(unsafe { CString::from_raw(ptr) });
    }
}

/// The pointer to a string kept alive by a handle (for borrowed `const char *` fields).
pub(crate) fn borrow_c_str(s: &CStr) -> *const c_char {
    s.as_ptr()
}

/// A caller's buffer of `len` bytes at `ptr`, read in place by the reader (never copied).
///
/// The C caller promises the bytes stay valid and unchanged until the reader is freed.
#[derive(Debug)]
pub(crate) struct BorrowedMemory {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the memory is only read, and the caller keeps it alive and unchanged for the
// reader's life, from whichever threads use the reader.
unsafe impl Send for BorrowedMemory {}
// SAFETY: as above; shared reads of immutable bytes.
unsafe impl Sync for BorrowedMemory {}

impl BorrowedMemory {
    /// Checks the pointer (NULL only with length 0).
    pub(crate) fn new(ptr: *const u8, len: usize, name: &str) -> Result<Self, Failure> {
        if ptr.is_null() && len != 0 {
            return Err(Failure::null(name));
        }
        Ok(BorrowedMemory { ptr, len })
    }
}

impl AsRef<[u8]> for BorrowedMemory {
    fn as_ref(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: checked in `new`; valid for the reader's life (the contract).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// The caller's `user_data` pointer, passed back to its callbacks untouched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);

impl UserData {
    /// The pointer, to pass to a callback.
    pub(crate) fn get(&self) -> *mut c_void {
        self.0
    }
}

// SAFETY: the library never dereferences it; the header tells the caller that callbacks
// may be called from other threads than the one that registered them (and, for the
// read callbacks, from several at once), so what it points to must allow that.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// A time given across the C ABI (seconds since the Unix epoch, UTC, as `int64_t`) as the
/// core's [`scanx::Timestamp`]: the one place the binding converts C times.
pub(crate) fn time(seconds: i64) -> scanx::Timestamp {
    scanx::Timestamp::from_unix_seconds(seconds)
}
