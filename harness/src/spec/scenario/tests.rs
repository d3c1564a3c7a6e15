//! Scenario parsing: every shipped file parses, and each kind of mistake is reported with the
//! file, the line and the field.

use super::*;
use expect_test::{Expect, expect};

#[test]
fn every_scenario_file_in_the_repository_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let scenarios = load_dir(&dir).unwrap();
    assert!(scenarios.len() >= 5, "{} scenarios", scenarios.len());
    for scenario in &scenarios {
        assert!(
            !scenario.measures.is_empty(),
            "{} measures nothing",
            scenario.name
        );
        let (warmup, duration) = scenario.load.window(true);
        assert!(
            warmup + duration <= Duration::from_secs(30),
            "{} is not quick",
            scenario.name
        );
    }
}

const VALID: &str = r#"
description = "ok"
measures = ["latency.reflex"]

[stack]
start = ["reflex"]

[load]
model = "open"
rate = "100/s"
warmup = "1s"
duration = "2s"

[[requests]]
kind = "reflex_process"
"#;

fn check_error(source: &str, expected: Expect) {
    let error = parse("scenarios/broken.toml", "broken", source).unwrap_err();
    expected.assert_eq(&error.to_string());
}

#[test]
fn a_valid_scenario_parses_with_defaults() {
    let scenario = parse("x.toml", "x", VALID).unwrap();
    assert_eq!(scenario.name, "x");
    assert_eq!(scenario.load.rate.unwrap().per_second, 100.0);
    assert_eq!(scenario.requests[0].weight, 1);
    assert_eq!(scenario.load.max_in_flight, 10_000);
    assert_eq!(scenario.llm.latency_scale, 1.0);
    assert!(!scenario.uses_arms());
}

#[test]
fn rates_and_durations_are_parsed_with_units() {
    assert_eq!("600/min".parse::<Rate>().unwrap().per_second, 10.0);
    assert_eq!("10_000/s".parse::<Rate>().unwrap().per_second, 10_000.0);
    assert!("fast".parse::<Rate>().is_err());
    assert!("0/s".parse::<Rate>().is_err());
    assert!("10/fortnight".parse::<Rate>().is_err());
}

#[test]
fn an_unknown_field_names_the_field_and_its_line() {
    check_error(
        &VALID.replace("warmup = \"1s\"", "warmpu = \"1s\""),
        expect![[r#"
            scenarios/broken.toml:11: unknown field `warmpu`, expected one of `model`, `rate`, `stages`, `users`, `warmup`, `duration`, `quick`, `max_in_flight`, `max_schedule_lag`, `max_send_lag`, `send_window`, `request_timeout`
                11 | warmpu = "1s""#]],
    );
}

#[test]
fn a_bad_value_names_its_line_and_what_was_expected() {
    check_error(
        &VALID.replace("\"100/s\"", "\"lots\""),
        expect![[r#"
            scenarios/broken.toml:10: invalid rate "lots": expected a number per unit, as "10000/s" or "600/min"
                10 | rate = "lots""#]],
    );
    check_error(
        &VALID.replace("\"2s\"", "\"2 parsecs\""),
        expect![[r#"
            scenarios/broken.toml:12: invalid duration "2 parsecs": unknown time unit "parsecs", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations) (expected e.g. "10s")
                12 | duration = "2 parsecs""#]],
    );
    check_error(
        &VALID.replace("kind = \"reflex_process\"", "kind = \"reflex\""),
        expect![[r#"
            scenarios/broken.toml:15: unknown variant `reflex`, expected one of `reflex_process`, `arm_execute`, `task_simple`, `task_complex`, `http`
                15 | kind = "reflex""#]],
    );
}

#[test]
fn a_missing_field_and_broken_toml_are_reported() {
    check_error(
        &VALID.replace("description = \"ok\"\n", ""),
        expect![[r#"scenarios/broken.toml:1: missing field `description`"#]],
    );
    check_error(
        &VALID.replace("[load]", "[load"),
        expect![[r#"
            scenarios/broken.toml:8: unclosed table, expected `]`
                8 | [load"#]],
    );
}

#[test]
fn rows_a_scenario_cannot_measure_are_refused() {
    check_error(
        &VALID.replace("latency.reflex", "latency.reflexes"),
        expect![[r#"
            scenarios/broken.toml:3: field `measures`: "latency.reflexes": unknown component "reflexes" for latency; expected one of ["reflex", "orchestrator_simple", "orchestrator_complex", "arms", "e2e_simple", "e2e_complex"]
                3 | measures = ["latency.reflexes"]"#]],
    );
    check_error(
        &VALID.replace("\"latency.reflex\"", "\"latency.arms\""),
        expect![[r#"
            scenarios/broken.toml:3: field `measures`: latency.arms needs requests of kind arm_execute
                3 | measures = ["latency.arms"]"#]],
    );
    let orchestrator = r#"
description = "timing orchestration under a slow LLM is wrong"
measures = ["latency.orchestrator_simple"]
[stack]
start = ["reflex", "arms", "orchestrator"]
[load]
model = "open"
rate = "1/s"
warmup = "1s"
duration = "1s"
[[requests]]
kind = "task_simple"
"#;
    check_error(
        orchestrator,
        expect![[r#"
            scenarios/broken.toml:3: field `measures`: latency.orchestrator_simple times orchestration alone and needs `llm.latency_scale = 0`
                3 | measures = ["latency.orchestrator_simple"]"#]],
    );
    check_error(
        &VALID
            .replace(
                "model = \"open\"\nrate = \"100/s\"",
                "model = \"closed\"\nusers = 4",
            )
            .replace("[\"latency.reflex\"]", "[\"throughput.reflex\"]"),
        expect![[r#"
            scenarios/broken.toml:3: field `measures`: throughput.reflex needs the open model, which offers a rate
                3 | measures = ["throughput.reflex"]"#]],
    );
    // A closed model's latency is service time, which coordinated omission corrupts by
    // design (issue 6, finding 10).
    check_error(
        &VALID.replace(
            "model = \"open\"\nrate = \"100/s\"",
            "model = \"closed\"\nusers = 4",
        ),
        expect![[r#"
            scenarios/broken.toml:3: field `measures`: latency.reflex needs the open model: a closed model's latency is service time, which coordinated omission corrupts
                3 | measures = ["latency.reflex"]"#]],
    );
}

#[test]
fn arm_calls_need_an_arm() {
    let arms = VALID
        .replace("start = [\"reflex\"]", "start = [\"arms\"]")
        .replace("[\"latency.reflex\"]", "[]")
        .replace(
            "kind = \"reflex_process\"",
            "kind = \"arm_execute\"\narms = []",
        );
    check_error(
        &arms,
        expect![[r#"
        scenarios/broken.toml:14: field `requests.arms`: arm_execute needs at least one arm kind
            14 | [[requests]]"#]],
    );
}

#[test]
fn a_request_needs_the_service_it_goes_to() {
    check_error(
        &VALID
            .replace("kind = \"reflex_process\"", "kind = \"task_simple\"")
            .replace("[\"latency.reflex\"]", "[]"),
        expect![[r#"
            scenarios/broken.toml:5: field `stack`: requests of kind task_simple need the orchestrator, which is neither started nor given a base_url
                5 | [stack]"#]],
    );
    check_error(
        &VALID.replace("model = \"open\"\nrate = \"100/s\"", "model = \"open\""),
        expect![[r#"
            scenarios/broken.toml:8: field `load.rate`: the open model needs a rate, as "100/s"
                8 | [load]"#]],
    );
}

#[test]
fn stages_replace_the_rate_and_describe_the_load() {
    let source = VALID.replace(
        "rate = \"100/s\"",
        "stages = [\"ramp 10/s -> 100/s over 2s\", \"hold 100/s for 1s\"]\nmax_send_lag = \"2ms\"",
    );
    let scenario = parse("x.toml", "x", &source).unwrap();
    assert_eq!(
        scenario.load.describe(),
        "open model, ramp 10/s -> 100/s over 2s, then hold 100/s for 1s"
    );
    let schedule = scenario.load.schedule();
    assert_eq!(schedule.peak_rate(), 100.0);
    assert!((schedule.rate_at(Duration::from_secs(1)) - 55.0).abs() < 1e-9);
    assert_eq!(
        scenario.load.max_send_lag.map(|lag| lag.0),
        Some(Duration::from_millis(2))
    );
}

#[test]
fn a_rate_and_stages_together_or_a_bad_stage_are_refused() {
    check_error(
        &VALID.replace(
            "rate = \"100/s\"",
            "rate = \"100/s\"\nstages = [\"hold 100/s for 1s\"]",
        ),
        expect![[r#"
            scenarios/broken.toml:8: field `load.stages`: give a rate or stages, not both
                8 | [load]"#]],
    );
    check_error(
        &VALID.replace("rate = \"100/s\"", "stages = [\"hold 100/s during 1s\"]"),
        expect![[r#"
            scenarios/broken.toml:10: invalid stage "hold 100/s during 1s": unknown form; expected "hold 10000/s for 30s" or "ramp 1000/s -> 20000/s over 30s"
                10 | stages = ["hold 100/s during 1s"]"#]],
    );
}

#[test]
fn a_send_window_must_be_under_the_allowed_send_lag() {
    let windowed = VALID.replace(
        "rate = \"100/s\"",
        "rate = \"100/s\"\nsend_window = \"250us\"",
    );
    let scenario = parse("x.toml", "x", &windowed).unwrap();
    assert_eq!(
        scenario.load.send_window.map(|window| window.0),
        Some(Duration::from_micros(250))
    );
    check_error(
        &windowed.replace(
            "send_window = \"250us\"",
            "send_window = \"1ms\"\nmax_send_lag = \"500us\"",
        ),
        expect![[r#"
            scenarios/broken.toml:8: field `load.send_window`: 1ms is not under max_send_lag (500us): requests would be sent up to a window late and every run would be invalid
                8 | [load]"#]],
    );
}

mod hostile {
    //! Scenario files mangled by the thousand (proptest): the parser answers every one with a
    //! scenario or an error naming the file, never a panic.

    use proptest::prelude::*;

    use super::super::parse;

    const VALID: &str = include_str!("../../../../scenarios/reflex.toml");

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_mangled_scenario_is_an_error_not_a_panic(
            cut in 0..VALID.len(),
            len in 0..64usize,
            insert in prop_oneof![
                Just(String::new()),
                Just("1e400".to_owned()),
                Just("-1".to_owned()),
                Just("\"99999999999999999999/s\"".to_owned()),
                Just("\"0/s\"".to_owned()),
                Just("[[requests]]\nkind = \"reflex_process\"\nweight = 0\n".to_owned()),
                Just("\u{0}".to_owned()),
                any::<String>(),
            ],
        ) {
            let start = (0..=cut).rev().find(|at| VALID.is_char_boundary(*at)).unwrap_or(0);
            let end = (start + len..=VALID.len())
                .find(|at| VALID.is_char_boundary(*at))
                .unwrap_or(VALID.len());
            let mangled = format!("{}{}{}", &VALID[..start], insert, &VALID[end..]);
            if let Err(error) = parse("mangled.toml", "mangled", &mangled) {
                prop_assert!(error.to_string().contains("mangled.toml"), "{error}");
            }
        }
    }
}

#[test]
fn every_fault_scenario_parses_and_breaks_something() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/faults");
    let scenarios = load_dir(&dir).unwrap();
    assert!(scenarios.len() >= 5, "{} fault scenarios", scenarios.len());
    for scenario in &scenarios {
        assert!(scenario.has_faults(), "{} breaks nothing", scenario.name);
    }
}

const FAULTY: &str = r#"
description = "faults"
measures = []

[stack]
start = ["reflex", "arms", "orchestrator"]

[load]
model = "open"
rate = "10/s"
warmup = "1s"
duration = "20s"

[[requests]]
kind = "task_simple"

[[faults]]
target = "arm:coder"
action = "kill"
at = "5s"
duration = "5s"
"#;

#[test]
fn a_fault_scenario_parses_with_its_bounds() {
    let scenario = parse("x.toml", "x", FAULTY).unwrap();
    assert_eq!(scenario.faults.len(), 1);
    let fault = &scenario.faults[0];
    assert_eq!(fault.target, faults::FaultTarget::Arm("coder".into()));
    assert_eq!(fault.begins(), Some(Duration::from_secs(5)));
    assert_eq!(fault.heals(), Duration::from_secs(10));
    assert_eq!(scenario.expect.max_failed_tasks, 0);
    assert_eq!(scenario.expect.max_recovery.0, Duration::from_secs(15));
    let redis = parse(
        "x.toml",
        "x",
        &FAULTY.replace(
            "target = \"arm:coder\"\naction = \"kill\"\nat = \"5s\"",
            "target = \"redis\"\naction = \"kill\"\nfrom_start = true",
        ),
    )
    .unwrap();
    assert_eq!(redis.faults[0].begins(), None);
    assert_eq!(redis.faults[0].heals(), Duration::from_secs(5));
}

#[test]
fn a_fault_that_cannot_be_applied_is_refused_naming_it() {
    check_error(
        &FAULTY.replace("arm:coder", "arm:poet"),
        expect![[r#"
            scenarios/broken.toml:18: unknown arm kind "poet"
                18 | target = "arm:poet""#]],
    );
    check_error(
        &FAULTY.replace("start = [\"reflex\", \"arms\", \"orchestrator\"]", "start = [\"reflex\", \"arms\", \"orchestrator\"]\nbase_url = { coder = \"http://127.0.0.1:9\" }"),
        expect![[r#"
            scenarios/broken.toml:18: field `faults` (1): target arm:coder must be started by the harness (in `stack.start`, with no base_url): a fault is applied only to what the harness runs
                18 | [[faults]]"#]],
    );
    check_error(
        &FAULTY.replace("action = \"kill\"", "action = \"hang\""),
        expect![[r#"
            scenarios/broken.toml:17: field `faults` (1): action "hang" does not apply to arm:coder (processes: kill, stop, pause; the LLM: error, hang)
                17 | [[faults]]"#]],
    );
    check_error(
        &FAULTY.replace("at = \"5s\"", "at = \"18s\""),
        expect![[r#"
            scenarios/broken.toml:17: field `faults` (1): it is healed 23s into a window of 20s: it must end inside the window, so that recovery is seen
                17 | [[faults]]"#]],
    );
    check_error(
        &FAULTY.replace("at = \"5s\"", "from_start = true"),
        expect![[r#"
            scenarios/broken.toml:17: field `faults` (1): `from_start` applies to redis only (the Orchestrator needs its database to start)
                17 | [[faults]]"#]],
    );
    check_error(
        &FAULTY
            .replace("arm:coder", "llm")
            .replace("action = \"kill\"", "action = \"error\"\nstatus = 200"),
        expect![[r#"
            scenarios/broken.toml:17: field `faults` (1): `status` goes with action "error" and must be 400 to 599
                17 | [[faults]]"#]],
    );
    check_error(
        &format!("{VALID}\n[expect]\nmax_rss_growth = -0.5\n"),
        expect![[r#"
            scenarios/broken.toml:17: field `expect.max_rss_growth` must be within 0..=10 (a share: 0.1 is 10%)
                17 | [expect]"#]],
    );
}

#[test]
fn the_soak_parses_and_judges_resident_memory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/soak");
    let scenarios = load_dir(&dir).unwrap();
    assert_eq!(scenarios.len(), 1);
    let soak = &scenarios[0];
    assert!(soak.judged_by_invariants() && !soak.has_faults());
    assert!(soak.expect.max_rss_growth.is_some());
    assert!(soak.load.window(false).1 >= Duration::from_secs(600));
}

/// Issue 28: every field of the scenario types is in `docs/scenarios.md`'s reference, by its
/// full name (`load.send_window`). The fields are read from the types' sources, so a field
/// added without its line fails here; a new type must be given its place below.
#[test]
fn every_scenario_field_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("../docs/scenarios.md")).unwrap();
    // Each deserialised type of a scenario file, and where its fields sit in the file.
    let places: &[(&str, &str, &str)] = &[
        ("src/spec/scenario.rs", "RawScenario", ""),
        ("src/spec/scenario/stack.rs", "StackSpec", "stack."),
        ("src/spec/scenario/llm.rs", "LlmSpec", "llm."),
        ("src/spec/scenario/load.rs", "LoadSpec", "load."),
        ("src/spec/scenario/load.rs", "QuickSpec", "load.quick."),
        ("src/spec/scenario/requests.rs", "RawRequest", "requests."),
        (
            "src/spec/scenario/requests.rs",
            "TextSpec",
            "requests.text.",
        ),
        ("src/spec/generic.rs", "HttpSpec", "requests."),
        ("src/spec/generic.rs", "ExpectSpec", "requests.expect."),
        ("src/spec/generic.rs", "ThenSpec", "requests.then."),
        ("src/spec/generic.rs", "UntilSpec", "requests.then.until."),
        ("src/spec/faults.rs", "FaultSpec", "faults."),
        ("src/spec/faults.rs", "ExpectSpec", "expect."),
    ];
    let mut missing = Vec::new();
    let mut seen = 0;
    for (file, name, prefix) in places {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        let fields = struct_fields(&source, name);
        assert!(!fields.is_empty(), "{file}: no struct {name}");
        for field in fields {
            seen += 1;
            if !docs.contains(&format!("| `{prefix}{field}` |")) {
                missing.push(format!("{prefix}{field} ({file}: {name})"));
            }
        }
    }
    assert!(missing.is_empty(), "not in docs/scenarios.md: {missing:?}");
    // Every deserialised type of the spec's files has its place above.
    for file in [
        "src/spec/scenario.rs",
        "src/spec/scenario/stack.rs",
        "src/spec/scenario/llm.rs",
        "src/spec/scenario/load.rs",
        "src/spec/scenario/requests.rs",
        "src/spec/generic.rs",
        "src/spec/faults.rs",
    ] {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        for name in deserialised_structs(&source) {
            // RequestSpec is built from RawRequest (`serde(from)`): its fields are RawRequest's.
            if name == "RequestSpec" {
                continue;
            }
            assert!(
                places.iter().any(|(f, n, _)| *f == file && *n == name),
                "{file}: {name} is read from scenario files; give it its place in this test and its fields a line in docs/scenarios.md"
            );
        }
    }
    assert!(seen > 80, "{seen} fields read: the reader lost some");
}

/// The names of the structs in `source` that derive `Deserialize`.
fn deserialised_structs(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut deriving = false;
    for line in source.lines() {
        let line = line.trim();
        if line.starts_with("#[derive(") {
            deriving = line.contains("Deserialize");
        } else if let Some(rest) = line
            .strip_prefix("pub struct ")
            .or_else(|| line.strip_prefix("pub(crate) struct "))
            .or_else(|| line.strip_prefix("struct "))
        {
            if deriving {
                names.push(rest.split([' ', '{', '(']).next().unwrap().to_owned());
            }
            deriving = false;
        } else if !line.starts_with("#[") && !line.starts_with("///") {
            deriving = false;
        }
    }
    names
}

/// The keys of struct `name` in a scenario file: its fields, renamed where serde renames one.
fn struct_fields(source: &str, name: &str) -> Vec<String> {
    let Some(start) = [
        format!("pub struct {name} {{"),
        format!("pub(crate) struct {name} {{"),
        format!("struct {name} {{"),
    ]
    .iter()
    .find_map(|head| source.find(head.as_str())) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    let mut rename = None;
    for line in source[start..].lines().skip(1) {
        let line = line.trim();
        if line == "}" {
            break;
        }
        if line.starts_with("#[serde(") {
            if let Some(renamed) = line.split("rename = \"").nth(1) {
                rename = renamed.split('"').next().map(str::to_owned);
            }
            continue;
        }
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some((field, _)) = line.split_once(':')
            && !field.is_empty()
            && field.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            fields.push(rename.take().unwrap_or_else(|| field.to_owned()));
        }
    }
    fields
}
