//! `arm_execute`: `POST /execute` on one arm, the calls spread evenly over the arm kinds the
//! scenario names (each also counted in its own series, `arm_execute[coder]`); an answer with
//! `success: true` is a success, else its error code is the error kind (`arm_llm_timeout`).
//! Feeds the arms' latency and throughput rows.

use loadgen::{Answer, Method, Request};

use super::{CheckContext, Component, Destination, Draw, ErrorKind, FirstRequest, KindDef};
use crate::spec::rows::Subject;

pub struct ArmExecute;

impl KindDef for ArmExecute {
    fn name(&self) -> &'static str {
        "arm_execute"
    }

    fn service(&self) -> Component {
        Component::Arms
    }

    fn check_spec(&self, arms: &[String]) -> Result<(), String> {
        if arms.is_empty() {
            return Err("field `requests.arms`: arm_execute needs at least one arm kind".into());
        }
        Ok(())
    }

    fn details(&self, arms: &[String]) -> Vec<String> {
        arms.to_vec()
    }

    fn first_request(&self, draw: Draw<'_>) -> FirstRequest {
        let request_id = format!("load-{}", draw.counter);
        FirstRequest {
            destination: Destination::Arm(draw.detail.expect("an arm kind, checked").to_owned()),
            method: Method::POST,
            path: "/execute",
            body: serde_json::json!({
                "task": {"goal": draw.text, "task_id": request_id},
                "request_id": request_id,
                "timeout_seconds": 30,
            }),
        }
    }

    fn check(
        &self,
        _step: u8,
        _request: &Request,
        status: u16,
        body: &[u8],
        _context: &CheckContext,
    ) -> Result<Answer, ErrorKind> {
        if status != 200 {
            return Err(ErrorKind::Http(status));
        }
        let answer =
            serde_json::from_slice::<serde_json::Value>(body).map_err(|_| ErrorKind::BadBody)?;
        if answer["success"].as_bool() == Some(true) {
            return Ok(Answer::Done(Ok(())));
        }
        let code = answer["error"]["code"].as_str().unwrap_or("failed");
        Err(ErrorKind::Arm(code.to_owned()))
    }

    fn latency_rows(&self) -> &'static [Subject] {
        &[Subject::Arms]
    }

    fn throughput_rows(&self) -> &'static [Subject] {
        &[Subject::Arms]
    }
}
