//! "The spec's practices, measured": for each practice of
//! `shared/spec/performance-best-practices.md` that the reference runtime follows, the
//! runtime's own code timed against the naive form of the same work, and the ratio printed at
//! the end (naive time / practised time). Run with
//! `cargo bench -p octoperf-benches --bench practices`; save and compare with criterion's
//! `-- --save-baseline NAME` and `-- --baseline NAME`.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;

/// (practice, the practised benchmark, the naive one).
const PAIRS: [(&str, &str, &str); 5] = [
    (
        "one RegexSet pass, not one regex per pattern (Reflex scan, 1 KB)",
        "regex_set_one_pass_1kb",
        "regex_each_pattern_1kb",
    ),
    (
        "a cached scan, not a scan per repeat (Reflex cache, 1 KB)",
        "scan_cached_1kb",
        "scan_uncached_1kb",
    ),
    (
        "a pooled connection, not a new one per query (Orchestrator store, SQLite)",
        "store_query_pooled",
        "store_query_new_connection",
    ),
    (
        "a batched insert, not one per row (20 plan steps, SQLite)",
        "store_insert_steps_batched_20",
        "store_insert_steps_row_by_row_20",
    ),
    (
        "concurrent LLM calls, not sequential (4 simulated planner calls)",
        "llm_calls_concurrent_4",
        "llm_calls_sequential_4",
    ),
];

const GROUP: &str = "spec_practices";

fn reflex(c: &mut Criterion) {
    let text = octoperf_benches::text_of(1024, " mail jane.doe@example.com please ");
    let detector = reflex::Detector::new();
    let each: Vec<regex::bytes::Regex> = reflex::Detector::pattern_sources()
        .iter()
        .map(|source| {
            regex::bytes::RegexBuilder::new(source)
                .unicode(false)
                .build()
                .expect("the runtime's patterns compile")
        })
        .collect();
    let cache: moka::sync::Cache<u64, std::sync::Arc<reflex::detect::Findings>> =
        moka::sync::Cache::new(10_000);
    let hasher = foldhash::fast::RandomState::default();
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("regex_set_one_pass_1kb", |b| {
        b.iter(|| detector.scan(black_box(&text), true, true))
    });
    group.bench_function("regex_each_pattern_1kb", |b| {
        b.iter(|| {
            let bytes = black_box(text.as_bytes());
            each.iter()
                .map(|regex| regex.find_iter(bytes).count())
                .sum::<usize>()
        })
    });
    group.bench_function("scan_cached_1kb", |b| {
        b.iter(|| {
            let key = std::hash::BuildHasher::hash_one(&hasher, black_box(&text));
            cache.get_with(key, || {
                std::sync::Arc::new(detector.scan(&text, true, true))
            })
        })
    });
    group.bench_function("scan_uncached_1kb", |b| {
        b.iter(|| detector.scan(black_box(&text), true, true))
    });
    group.finish();
}

fn store(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("practices.db").display()
    );
    let store = runtime
        .block_on(orchestrator::store::Store::connect(&url, 4))
        .expect("the store opens");
    let task_ids: Vec<String> = (0..20).map(|i| format!("task-{i}")).collect();
    runtime.block_on(async {
        for id in &task_ids {
            store
                .insert_task(&orchestrator::store::NewTask {
                    id,
                    user_id: "bench",
                    goal: "measure the spec's practices",
                    priority: "normal",
                    kind: "complex",
                    contract_json: "{}",
                    created_at_us: 0,
                    owner: "bench",
                    lease_until_us: 0,
                    gated: true,
                })
                .await
                .expect("a task inserts");
        }
    });
    // A plan is recorded once per task (a resumed task keeps its record), so each timed
    // insert goes to tasks made for it, untimed.
    let fresh_tasks = std::cell::Cell::new(0u64);
    let new_tasks = |count: usize| -> Vec<String> {
        runtime.block_on(async {
            let mut ids = Vec::with_capacity(count);
            for _ in 0..count {
                let id = format!("fresh-{}", fresh_tasks.get());
                fresh_tasks.set(fresh_tasks.get() + 1);
                store
                    .insert_task(&orchestrator::store::NewTask {
                        id: &id,
                        user_id: "bench",
                        goal: "measure the spec's practices",
                        priority: "normal",
                        kind: "complex",
                        contract_json: "{}",
                        created_at_us: 0,
                        owner: "bench",
                        lease_until_us: 0,
                        gated: true,
                    })
                    .await
                    .expect("a task inserts");
                ids.push(id);
            }
            ids
        })
    };
    let fence = orchestrator::store::Fence {
        owner: "bench",
        epoch: 0,
    };
    let step_ids: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
    let steps: Vec<orchestrator::store::NewStep> = step_ids
        .iter()
        .map(|id| orchestrator::store::NewStep {
            step_id: id,
            arm: "coder",
            goal: "write the function",
            depends_on_json: "[]",
        })
        .collect();
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("store_query_pooled", |b| {
        b.iter(|| runtime.block_on(store.get_task(black_box("task-0"))))
    });
    group.bench_function("store_query_new_connection", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let fresh = orchestrator::store::Store::connect(&url, 1)
                    .await
                    .expect("the store opens");
                let task = fresh.get_task(black_box("task-0")).await;
                fresh.close().await;
                task
            })
        })
    });
    group.bench_function("store_insert_steps_batched_20", |b| {
        b.iter_batched(
            || new_tasks(1),
            |tasks| runtime.block_on(store.insert_steps(&tasks[0], &fence, &steps)),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("store_insert_steps_row_by_row_20", |b| {
        b.iter_batched(
            || new_tasks(steps.len()),
            |tasks| {
                runtime.block_on(async {
                    for (task, step) in tasks.iter().zip(&steps) {
                        store
                            .insert_steps(task, &fence, std::slice::from_ref(step))
                            .await
                            .expect("a step inserts");
                    }
                })
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
    runtime.block_on(store.close());
}

fn llm(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // The planner's model at a hundredth of its latency: about 4 ms a call.
    let model = arms::LlmModel {
        latency_scale: 0.01,
        ttft_sigma: 0.0,
        ..arms::LlmModel::for_kind(arms::ArmKind::Planner)
    };
    let provider = arms::Provider::Simulated(arms::llm::SimulatedLlm::new(model, 7));
    let mut group = c.benchmark_group(GROUP);
    group.sample_size(20);
    group.bench_function("llm_calls_concurrent_4", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let calls = (0..4).map(|_| provider.complete(arms::ArmKind::Planner, "plan"));
                futures_util::future::join_all(calls).await
            })
        })
    });
    group.bench_function("llm_calls_sequential_4", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut answers = Vec::new();
                for _ in 0..4 {
                    answers.push(provider.complete(arms::ArmKind::Planner, "plan").await);
                }
                answers
            })
        })
    });
    group.finish();
}

/// Criterion's estimate of a benchmark's mean, in nanoseconds, from its saved files.
fn mean_ns(id: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("criterion")
        .join(GROUP)
        .join(id)
        .join("new/estimates.json");
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    reflex(&mut criterion);
    store(&mut criterion);
    llm(&mut criterion);
    criterion.final_summary();
    println!("\nThe spec's practices, measured (naive time / practised time, this run):\n");
    println!("| practice | practised | naive | ratio |");
    println!("|---|---:|---:|---:|");
    for (practice, good, naive) in PAIRS {
        match (mean_ns(good), mean_ns(naive)) {
            (Some(good_ns), Some(naive_ns)) => println!(
                "| {practice} | {} | {} | {:.1}× |",
                time(good_ns),
                time(naive_ns),
                naive_ns / good_ns
            ),
            _ => println!("| {practice} | not run | not run | |"),
        }
    }
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
