use std::process::ExitCode;

fn main() -> ExitCode {
    jixiao::cli::main()
}
