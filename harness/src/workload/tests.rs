//! What each answer means: a task is followed to its end by long-polls, and every failing
//! status counts as its own error kind.

use super::*;
use crate::spec::scenario::{RequestSpec, TextSpec};
use loadgen::Method;

fn workload(kind: RequestKind) -> ScenarioWorkload {
    let spec = RequestSpec::builtin(kind, 1, TextSpec::default(), vec!["coder".into()]);
    let endpoints = Endpoints {
        reflex: Some("http://127.0.0.1:1".into()),
        orchestrator: Some("http://127.0.0.1:2".into()),
        orchestrator_replicas: Vec::new(),
        arms: [("coder".to_owned(), "http://127.0.0.1:3".to_owned())].into(),
        urls: Vec::new(),
    };
    let resolved = endpoints
        .resolve(None, &loadgen::TlsOptions::default())
        .unwrap();
    ScenarioWorkload::new(Mix::new(&[spec], 1), resolved, 60)
}

fn outcome(answer: Answer) -> Result<(), String> {
    match answer {
        Answer::Done(outcome) => outcome.map_err(|kind| kind.into_owned()),
        Answer::Then(next) => panic!("expected an end, got a follow-up to {}", next.path),
    }
}

#[test]
fn a_task_is_polled_until_it_ends() {
    let mut tasks = workload(RequestKind::TaskSimple);
    let submit = tasks.next_request();
    assert_eq!(
        (submit.method.clone(), submit.path.as_str()),
        (Method::POST, "/tasks")
    );
    let Answer::Then(poll) = tasks.check(&submit, 202, br#"{"task_id":"t-1"}"#) else {
        panic!("a 202 is followed by a poll");
    };
    assert_eq!(poll.method, Method::GET);
    assert_eq!(poll.path, "/tasks/t-1?wait=60s");
    // Still running when the long-poll ended: poll again.
    let Answer::Then(again) = tasks.check(&poll, 200, br#"{"task_id":"t-1","status":"running"}"#)
    else {
        panic!("a running task is polled again");
    };
    assert_eq!(again.path, poll.path);
    assert_eq!(
        outcome(tasks.check(&again, 200, br#"{"task_id":"t-1","status":"completed"}"#)),
        Ok(())
    );
    assert_eq!(
        outcome(tasks.check(&again, 200, br#"{"task_id":"t-1","status":"failed"}"#)),
        Err("task_failed".into())
    );
}

#[test]
fn each_failing_status_is_its_own_error_kind() {
    let mut tasks = workload(RequestKind::TaskSimple);
    let submit = tasks.next_request();
    let Answer::Then(poll) = tasks.check(&submit, 202, br#"{"task_id":"t-1"}"#) else {
        panic!("a 202 is followed by a poll");
    };
    // A poll answered 404 or 503 is not a timeout.
    for status in [404, 503] {
        assert_eq!(
            outcome(tasks.check(&poll, status, b"{}")),
            Err(format!("poll_http_{status}"))
        );
    }
    assert_eq!(
        outcome(tasks.check(&submit, 429, b"")),
        Err("http_429".into())
    );
    assert_eq!(
        outcome(tasks.check(&submit, 202, b"not json")),
        Err("bad_body".into())
    );
    let mut reflex = workload(RequestKind::ReflexProcess);
    let process = reflex.next_request();
    assert_eq!(outcome(reflex.check(&process, 200, b"{}")), Ok(()));
    assert_eq!(
        outcome(reflex.check(&process, 503, b"")),
        Err("http_503".into())
    );
    let mut arms = workload(RequestKind::ArmExecute);
    let execute = arms.next_request();
    assert_eq!(
        outcome(arms.check(
            &execute,
            200,
            br#"{"success":false,"error":{"code":"llm_timeout"}}"#
        )),
        Err("arm_llm_timeout".into())
    );
    assert_eq!(
        outcome(arms.check(&execute, 200, br#"{"success":true}"#)),
        Ok(())
    );
}
