//! A counting TCP proxy in front of a real SCIM server: it forwards every
//! request and counts the writes (POST, PUT, PATCH, DELETE) the app accepted,
//! so tests can prove each change reached the app exactly once, and the reads
//! of one user (`GET /Users/{id}`), so they can prove none was needed.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    sync::watch,
};

pub struct CountingProxy {
    /// The proxied SCIM base URL: `http://127.0.0.1:<port>/v2`.
    pub base_url: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    total: watch::Receiver<usize>,
    user_reads: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Proxies `upstream` (a scim2-server base URL).
    pub async fn start(upstream: &str) -> Self {
        let upstream = host_and_port(upstream);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (total_tx, total) = watch::channel(0usize);
        let total_tx = Arc::new(total_tx);
        let user_reads: Arc<AtomicUsize> = Arc::default();
        let (shared, shared_reads) = (counts.clone(), user_reads.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (counts, total_tx, upstream) =
                    (shared.clone(), total_tx.clone(), upstream.clone());
                let user_reads = shared_reads.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut client).await;
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    if server.write_all(&request).await.is_err() {
                        return;
                    }
                    let mut response = Vec::new();
                    // scim2-server speaks HTTP/1.0: it closes after answering.
                    let _ = server.read_to_end(&mut response).await;
                    let head = String::from_utf8_lossy(&request);
                    let mut line = head.split(' ');
                    let method = line.next().unwrap_or_default().to_owned();
                    if method == "GET" && line.next().is_some_and(|p| p.starts_with("/v2/Users/")) {
                        user_reads.fetch_add(1, Ordering::Relaxed);
                    }
                    let accepted = response.get(9..10) == Some(b"2");
                    if accepted && method != "GET" {
                        *counts.lock().unwrap().entry(method).or_default() += 1;
                        total_tx.send_modify(|n| *n += 1);
                    }
                    let _ = client.write_all(&response).await;
                });
            }
        });
        Self {
            base_url: format!("http://{address}/v2"),
            counts,
            total,
            user_reads,
        }
    }

    /// `GET /Users/{id}` requests so far, answered or not.
    pub fn user_reads(&self) -> usize {
        self.user_reads.load(Ordering::Relaxed)
    }

    /// Accepted writes with this method so far.
    pub fn writes(&self, method: &str) -> usize {
        self.counts
            .lock()
            .unwrap()
            .get(method)
            .copied()
            .unwrap_or(0)
    }

    /// Waits until at least `n` writes were accepted.
    pub async fn wait_for_writes(&self, n: usize) {
        let mut total = self.total.clone();
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            total.wait_for(|t| *t >= n),
        )
        .await
        .expect("the writes arrive within a minute")
        .unwrap();
    }
}

/// `127.0.0.1:<port>` out of `http://127.0.0.1:<port>/v2`.
pub fn host_and_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
pub async fn read_request(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return data;
        };
        data.extend_from_slice(&buffer[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap_or(0));
            while data.len() < end + 4 + length {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return data,
                    Ok(n) => data.extend_from_slice(&buffer[..n]),
                }
            }
            return data;
        }
        if n == 0 {
            return data;
        }
    }
}
