//! Store speed: `cargo bench -p guardian-store` (or `scripts/bench`).
//!
//! Targets (release, this 2-core machine, a real file in a temporary folder): ≥ 20,000
//! recorded assessments per second when batched in transactions, newest 50 listed in
//! < 1 ms, 10,000 expired rows purged. Every value is really sealed and every commit is a
//! real WAL commit; nothing is mocked.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use guardian_engine::{AnalyzeTextRequest, Channel, Engine, Module, RiskResponse};
use guardian_store::{HistoryQuery, KeySource, NewAssessment, Store, StoreOptions};

const MESSAGE: &str = "Royal Mail: your parcel is held due to an unpaid shipping fee of £1.99. \
Pay within 24 hours at https://royalmail-redelivery.top/pay or it will be returned.";

fn open(dir: &tempfile::TempDir) -> Store {
    let options = StoreOptions { key: KeySource::File(dir.path().join("g.db.key")), ..StoreOptions::default() };
    Store::open_with(dir.path().join("g.db"), options).expect("store opens")
}

fn response() -> RiskResponse {
    let engine = Engine::bundled().expect("bundled pack");
    engine.analyze_text(&AnalyzeTextRequest { text: MESSAGE.to_owned(), channel: Channel::Sms }).expect("answer")
}

fn fill(store: &Store, response: &RiskResponse, count: usize, days_ago: i64) {
    let new = NewAssessment { module: Module::Inboxguard, summary: MESSAGE, response, session_id: None, user_id: None };
    let when = Utc::now() - TimeDelta::days(days_ago);
    for chunk in vec![new; count].chunks(500) {
        store.record_assessments(chunk, when).expect("recorded");
    }
}

fn bench(c: &mut Criterion) {
    let response = response();
    let new = NewAssessment {
        module: Module::Inboxguard,
        summary: MESSAGE,
        response: &response,
        session_id: None,
        user_id: None,
    };

    let mut parts = c.benchmark_group("parts");
    parts.bench_function("response_to_json", |b| b.iter(|| serde_json::to_vec(black_box(&response)).expect("json")));
    let json = serde_json::to_vec(&response).expect("json");
    println!("sealed response: {} bytes of JSON", json.len());
    parts.bench_function("response_from_json", |b| {
        b.iter(|| serde_json::from_slice::<RiskResponse>(black_box(&json)).expect("json"))
    });
    parts.finish();

    let mut record = c.benchmark_group("record");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir);
    let batch = vec![new; 100];
    record.throughput(Throughput::Elements(100));
    record.bench_function("batch_of_100", |b| {
        b.iter(|| store.record_assessments(black_box(&batch), Utc::now()).expect("ok"))
    });
    record.throughput(Throughput::Elements(1));
    record.bench_function("one_per_commit", |b| {
        b.iter(|| store.record_assessment(black_box(&new), Utc::now()).expect("ok"))
    });
    record.finish();

    // The figure, measured whole: 10,000 checks into a fresh file.
    let fresh = tempfile::tempdir().expect("temp dir");
    let fresh_store = open(&fresh);
    let start = Instant::now();
    fill(&fresh_store, &response, 10_000, 0);
    let elapsed = start.elapsed();
    println!(
        "record 10,000 (batches of 500): {:.1} ms = {:.0} assessments/s",
        elapsed.as_secs_f64() * 1e3,
        10_000.0 / elapsed.as_secs_f64()
    );

    let mut list = c.benchmark_group("list");
    list.bench_function("newest_50_of_10000", |b| {
        b.iter(|| {
            fresh_store.list_assessments(black_box(&HistoryQuery { limit: 50, ..HistoryQuery::default() })).expect("ok")
        })
    });
    list.finish();

    let mut purge = c.benchmark_group("purge");
    purge.sample_size(10).measurement_time(Duration::from_secs(20));
    purge.throughput(Throughput::Elements(10_000));
    purge.bench_function("10000_expired_of_12000", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = open(&dir);
                fill(&store, &response, 10_000, 120);
                fill(&store, &response, 2_000, 1);
                (dir, store)
            },
            |(dir, store)| {
                let report = store.purge_expired(Utc::now()).expect("purged");
                assert_eq!(report.assessments_deleted, 10_000);
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    purge.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
