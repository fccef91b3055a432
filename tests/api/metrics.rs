//! `/metrics` in both text formats, each read back by a parser of its rules:
//! Prometheus' classic parser typed every counter `unknown` when it was served
//! OpenMetrics as `text/plain; version=0.0.4`.

use std::collections::HashMap;

use crate::helpers::{Backend, TestApp, spawn_app};

/// The families (`# TYPE name kind`) and the sample names of an exposition.
struct Exposition {
    types: HashMap<String, String>,
    samples: Vec<String>,
    comments: Vec<String>,
}

fn parse(text: &str) -> Exposition {
    let mut exposition = Exposition {
        types: HashMap::new(),
        samples: Vec::new(),
        comments: Vec::new(),
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            exposition.types.insert(name.into(), kind.into());
        } else if line.starts_with('#') {
            exposition.comments.push(line.into());
        } else if !line.is_empty() {
            let name = line.split(['{', ' ']).next().unwrap();
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "not a sample: {line}");
            exposition.samples.push(name.into());
        }
    }
    exposition
}

/// The family a sample belongs to under the format's naming rules.
fn family_of<'a>(exposition: &'a Exposition, sample: &str, counter_suffix: &str) -> &'a str {
    let candidates = [
        (sample.to_owned(), None),
        (strip(sample, counter_suffix), Some("counter")),
        (strip(sample, "_bucket"), Some("histogram")),
        (strip(sample, "_sum"), Some("histogram")),
        (strip(sample, "_count"), Some("histogram")),
    ];
    candidates
        .iter()
        .find_map(|(name, wanted)| {
            let kind = exposition.types.get(name)?;
            (wanted.is_none_or(|w| w == kind) && (wanted.is_some() || kind != "histogram"))
                .then_some(kind.as_str())
        })
        .unwrap_or_else(|| panic!("{sample} belongs to no typed family"))
}

fn strip(sample: &str, suffix: &str) -> String {
    if suffix.is_empty() {
        return String::new();
    }
    sample.strip_suffix(suffix).unwrap_or_default().to_owned()
}

async fn scrape(app: &TestApp, accept: Option<&str>) -> (String, String) {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200);
    (reply.header("content-type").unwrap().to_owned(), reply.text)
}

#[tokio::test]
async fn a_plain_scrape_gets_valid_classic_text_with_typed_counters() {
    let app = spawn_app(Backend::Sqlite).await;
    app.get("/v1/connections").await;
    let (content_type, text) = scrape(&app, None).await;
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let exposition = parse(&text);
    assert!(
        !text.contains("# EOF") && !text.contains("# UNIT"),
        "{text}"
    );
    assert_eq!(exposition.types["provisio_http_requests_total"], "counter");
    for sample in &exposition.samples {
        // A classic counter's TYPE names the sample itself.
        family_of(&exposition, sample, "");
    }
    for comment in &exposition.comments {
        assert!(comment.starts_with("# HELP "), "{comment}");
    }
}

#[tokio::test]
async fn a_scraper_asking_for_openmetrics_gets_it() {
    let app = spawn_app(Backend::Sqlite).await;
    app.get("/v1/connections").await;
    let accept =
        "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    let (content_type, text) = scrape(&app, Some(accept)).await;
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    let exposition = parse(&text);
    assert_eq!(exposition.types["provisio_http_requests"], "counter");
    for sample in &exposition.samples {
        let kind = family_of(&exposition, sample, "_total");
        assert!(kind != "counter" || sample.ends_with("_total"), "{sample}");
    }
}
