//! Tests of `http`.

use super::*;

fn values(answer: Option<&serde_json::Value>) -> Values<'_> {
    Values {
        text: "say \"hi\"\nnow",
        user: "user-3",
        seq: 42,
        uuid: 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        answer,
    }
}

#[test]
fn templates_render_each_variable_with_its_filter() {
    let body = Template::compile(
        r#"{"goal": {{text|json}}, "user": "{{ user }}", "n": {{seq}}, "id": {{uuid|json}}}"#,
        Place::Body,
        false,
    )
    .unwrap();
    let rendered = body.render_to_string(&values(None)).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    assert_eq!(parsed["goal"], "say \"hi\"\nnow");
    assert_eq!(parsed["user"], "user-3");
    assert_eq!(parsed["n"], 42);
    let id = parsed["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "{id} is not a version-4 UUID");

    // In a path, values are percent-encoded unless told otherwise.
    let path = Template::compile("/q/{{text}}/{{user|raw}}", Place::Path, false).unwrap();
    assert_eq!(
        path.render_to_string(&values(None)).unwrap(),
        "/q/say%20%22hi%22%0Anow/user-3"
    );
}

#[test]
fn bad_templates_are_refused_with_what_is_known() {
    for (source, expected) in [
        ("{{nope}}", "unknown variable {{nope}}"),
        ("{{text|shout}}", "unknown filter \"shout\""),
        ("/{{text", "an unclosed {{"),
        ("/tasks/{{answer.task_id}}", "only in [requests.then]"),
    ] {
        let error = Template::compile(source, Place::Path, false).unwrap_err();
        assert!(error.contains(expected), "{source}: {error}");
    }
    assert!(Template::compile("/tasks/{{answer.task_id}}", Place::Path, true).is_ok());
}

#[test]
fn a_session_polls_until_a_terminal_value_and_judges_it() {
    let kind = HttpKind {
        name: "submit".into(),
        method: Method::POST,
        path: Template::literal("/submit"),
        headers: Vec::new(),
        body: None,
        expect: vec![202],
        feeds: Vec::new(),
        then: Some(Then {
            method: Method::GET,
            path: Template::compile("/tasks/{{answer.task_id}}", Place::Path, true).unwrap(),
            headers: Vec::new(),
            body: None,
            expect: Vec::new(),
            field: vec!["status".into()],
            terminal: vec!["completed".into(), "failed".into()],
            ok: vec!["completed".into()],
            every: Duration::from_millis(50),
            max_polls: 3,
        }),
    };
    let first = Request {
        endpoint: 0,
        method: Method::POST,
        path: "/submit".into(),
        body: Default::default(),
        headers: Vec::new(),
        delay: Duration::ZERO,
        tag: 7 << 16 | 4 << 8,
        series: 1,
        detail: None,
    };
    assert!(matches!(
        kind.check(0, &first, 200, b"{}"),
        Err(ErrorKind::Http(200))
    ));
    let Ok(Answer::Then(poll)) = kind.check(0, &first, 202, br#"{"task_id":"a b"}"#) else {
        panic!("a session goes on to its poll");
    };
    assert_eq!(poll.path, "/tasks/a%20b");
    assert_eq!(poll.method, Method::GET);
    assert_eq!(poll.tag, 7 << 16 | 4 << 8 | 1);
    assert_eq!(poll.delay, Duration::ZERO);
    let Ok(Answer::Then(again)) = kind.check(1, &poll, 200, br#"{"status":"processing"}"#) else {
        panic!("not terminal: poll again");
    };
    assert_eq!(again.delay, Duration::from_millis(50));
    assert_eq!(again.path, poll.path);
    assert!(matches!(
        kind.check(1, &poll, 200, br#"{"status":"completed"}"#),
        Ok(Answer::Done(Ok(())))
    ));
    match kind.check(1, &poll, 200, br#"{"status":"failed"}"#) {
        Ok(Answer::Done(Err(kind))) => assert_eq!(kind, "ended_failed"),
        _ => panic!("a failed session is an error"),
    }
    assert!(matches!(
        kind.check(3, &poll, 200, br#"{"status":"processing"}"#),
        Err(ErrorKind::PollLimit)
    ));
    assert!(matches!(
        kind.check(1, &poll, 404, b""),
        Err(ErrorKind::PollHttp(404))
    ));
    assert!(matches!(
        kind.check(0, &first, 202, br#"{"id":1}"#),
        Err(ErrorKind::BadBody)
    ));
}
