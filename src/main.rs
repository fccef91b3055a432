use std::process::ExitCode;

/// jemalloc rather than the system allocator. glibc keeps an arena per thread
/// and gives back little of what is freed: after each sync plan of 10,000
/// people the process stayed larger (38, 70, 92, 110 MiB resident over a heap
/// of under 30 MiB). jemalloc reuses freed memory across threads and, as
/// configured in `.cargo/config.toml`, returns freed pages within a second.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    provisio::cli::run().await
}
