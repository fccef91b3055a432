use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    provisio::cli::run().await
}
