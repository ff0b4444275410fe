//! The `tsunagu` binary: parse the command line, set up logging, dispatch.

use std::process::ExitCode;

use clap::Parser;
use tsunagu::{cli, config::Cli, telemetry};

/// mimalloc serves the many small, short-lived allocations of a request from per-thread
/// pages and gives freed memory back to the system (glibc's allocator kept a demo server
/// at several times its working set). It also stands in for `malloc` (the `override`
/// feature), so SQLite's copies of the values it returns come from it too instead of
/// glibc's arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc keeps pages it has freed before it gives them back to the system, in
/// milliseconds, unless `MIMALLOC_PURGE_DELAY` says otherwise. With its own default, a
/// second, a SQLite server held 216 MB after ten minutes of mixed load; with 100 ms it held
/// 184 MB (see the README's memory figures).
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same position in v2 and v3;
/// libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    set_purge_delay();
    let cli = Cli::parse();
    telemetry::init(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sets [`PURGE_DELAY_MS`] unless the environment chose a delay (mimalloc read it at start).
fn set_purge_delay() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mi_option_set stores one integer in mimalloc's option table. It is not
    // thread-safe, so it runs here, before the runtime or anything else starts a thread.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_mimallocs_purge_delay() {
        // SAFETY: reading an option only reads mimalloc's option table.
        #[allow(unsafe_code)]
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc v3's default purge delay; no other option defaults to it.
            assert_eq!(delay, 1000);
        }
    }
}
