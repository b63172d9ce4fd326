//! The program's printing macros: standard output through
//! [`crate::common::write_stdout`] (a closed pipe ends quietly), standard error without panics.

/// `print!` through [`crate::common::write_stdout`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::common::write_stdout(&format!($($t)*))
    };
}

/// `println!` through [`crate::common::write_stdout`].
macro_rules! outln {
    () => {
        $crate::common::write_stdout("\n")
    };
    ($($t:tt)*) => {
        $crate::common::write_stdout(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `eprintln!` that never panics: a message that cannot be written to standard error has
/// nowhere else to go and is dropped.
macro_rules! note {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
