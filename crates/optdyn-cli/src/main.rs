//! The `optdyn` command-line program.
fn main() {
    println!("optdyn {}", optdyn::VERSION);
}
