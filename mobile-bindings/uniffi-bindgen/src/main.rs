//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings of `kipochi-ffi` from the
//! built library (`generate --library <cdylib>`). Run through `cargo xtask bindings`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
