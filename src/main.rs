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

/// `mi_option_allow_thp` in mimalloc v3's `mi_option_t`: whether it asks the kernel for
/// transparent huge pages.
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() -> ExitCode {
    set_purge_delay();
    refuse_huge_pages();
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
    set_unless_chosen(
        "MIMALLOC_PURGE_DELAY",
        MI_OPTION_PURGE_DELAY,
        PURGE_DELAY_MS,
    );
}

/// Turns transparent huge pages off for this process, unless `MIMALLOC_ALLOW_THP` says
/// otherwise (mimalloc then read it at start and acted on it itself).
///
/// mimalloc asks for huge pages on its arena. The kernel then makes memory resident 2 MiB
/// at a time and fills such pieces back up after mimalloc gave parts of them back, so what
/// mimalloc frees in 64 KiB pages largely stays resident. Under ten minutes of mixed load a
/// SQLite server held 225 MB with them and 145 MB without, answering as many requests per
/// second (see the README's memory figures). This is what `MIMALLOC_ALLOW_THP=0` does,
/// applied without the variable.
fn refuse_huge_pages() {
    // From now on mimalloc asks for no huge pages.
    if set_unless_chosen("MIMALLOC_ALLOW_THP", MI_OPTION_ALLOW_THP, 0) {
        // The arena mimalloc reserved before `main` already asked for them; the
        // process-wide flag makes the kernel give none (a kernel without it leaves things
        // as they were).
        #[cfg(target_os = "linux")]
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

/// Sets one of mimalloc's options unless the environment variable that names it chose a
/// value (mimalloc read that at start); says whether it set it.
fn set_unless_chosen(
    variable: &str,
    option: libmimalloc_sys::mi_option_t,
    value: std::ffi::c_long,
) -> bool {
    if std::env::var_os(variable).is_some() {
        return false;
    }
    // SAFETY: mi_option_set stores one integer in mimalloc's option table. It is not
    // thread-safe, so it runs only from `main`, before the runtime or anything else
    // starts a thread.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(option, value);
    }
    true
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

    #[test]
    #[cfg(target_os = "linux")]
    fn the_option_turned_off_is_mimallocs_allow_thp() {
        // SAFETY: reading options only reads mimalloc's option table.
        #[allow(unsafe_code)]
        let (before, itself, after) = unsafe {
            (
                libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP - 1),
                libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP),
                libmimalloc_sys::mi_option_get(MI_OPTION_ALLOW_THP + 1),
            )
        };
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            // Tests do not run `main`: the option and its neighbours keep mimalloc v3's
            // defaults on Linux: `page_cross_thread_max_reclaim` 32, `allow_thp` 1 and
            // `minimal_purge_size` 0.
            assert_eq!((before, itself, after), (32, 1, 0));
        }
    }
}
